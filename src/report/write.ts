// Writing to a stream and waiting for it to drain, for reporters.
export function write(out: NodeJS.WritableStream, s: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = out.write(s, (err?: Error | null) => (err ? reject(err) : undefined));
    if (ok) resolve();
    else out.once('drain', () => resolve());
  });
}

export { stableJson } from '../core/json.js';
