// Who a container runs as, read from the image config's USER.

/** USER values that mean uid 0: empty (Docker's default), `root`, `0`, with any group (`0:0`, `root:root`, `0:1000`). */
export function isRootUser(user: string | undefined): boolean {
  const u = (user ?? '').trim().split(':')[0]!;
  return u === '' || u === 'root' || /^0+$/.test(u);
}
