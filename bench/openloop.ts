// An open-loop load generator for the latency benches: requests go out on schedule whatever the answers,
// so a slow answer shows as latency instead of slowing the load down (a closed loop hides it).

/** Call `send(i)` `rate` times per second for `seconds`; resolves with the number sent once all settled. */
export async function openLoop(rate: number, seconds: number, send: (i: number) => Promise<void>, tickMs = 10): Promise<number> {
  const pending: Promise<void>[] = [];
  let sent = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.floor(((performance.now() - start) / 1000) * rate);
      while (sent < due) pending.push(send(sent++));
      if (performance.now() - start >= seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
  await Promise.all(pending);
  return sent;
}
