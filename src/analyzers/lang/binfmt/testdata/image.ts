// Test helper: pull one file out of a docker-save archive (optionally gzip-compressed) with system tar,
// searching every layer tar for it. Returns undefined when no layer holds the file.
import { spawnSync } from 'node:child_process';

function sh(script: string, args: string[]): Buffer {
  const r = spawnSync('sh', ['-c', script, 'sh', ...args], { maxBuffer: 512 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

export function extractFromImage(archive: string, pathInLayer: string): Buffer | undefined {
  const z = archive.endsWith('.gz') ? 'z' : '';
  // regular files only: docker-save archives also hold symlinks to layer tars
  const layers = sh(`tar -tv${z}f "$1"`, [archive])
    .toString()
    .split('\n')
    .filter((l) => l.startsWith('-') && l.endsWith('.tar'))
    .map((l) => l.split(/\s+/).pop() as string);
  for (const layer of layers) {
    const list = sh(`tar -x${z}Of "$1" "$2" | tar -t`, [archive, layer]).toString().split('\n');
    if (!list.includes(pathInLayer) && !list.includes('./' + pathInLayer)) continue;
    const name = list.includes(pathInLayer) ? pathInLayer : './' + pathInLayer;
    return sh(`tar -x${z}Of "$1" "$2" | tar -xO "$3"`, [archive, layer, name]);
  }
  return undefined;
}
