// The clock is injected everywhere a time matters, so output is deterministic in tests.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(iso: string): Clock {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) throw new Error(`invalid clock time: ${iso}`);
  return { now: () => new Date(t.getTime()) };
}
