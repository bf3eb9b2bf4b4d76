// Load hook of module-log.mjs (runs on the loader thread): appends each loaded module's URL to the log.
import { appendFileSync } from 'node:fs';

let log;

export function initialize(data) {
  log = data.log;
}

export async function load(url, context, nextLoad) {
  if (log && !url.startsWith('node:')) appendFileSync(log, `${url}\n`);
  return nextLoad(url, context);
}
