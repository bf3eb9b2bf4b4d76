// Test helper: pull one file out of a docker-save archive (optionally gzip-compressed) with system tar,
// searching every layer tar (plain or compressed) for it. Returns undefined when no layer holds the file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-layer-'));
  try {
    const tmp = join(dir, 'layer');
    for (const layer of layers) {
      // a file, not a pipe, so tar detects compressed layers by itself
      sh(`tar -x${z}Of "$1" "$2" > "$3"`, [archive, layer, tmp]);
      const list = sh(`tar -tf "$1"`, [tmp]).toString().split('\n');
      const name = list.includes(pathInLayer) ? pathInLayer : list.includes('./' + pathInLayer) ? './' + pathInLayer : undefined;
      if (name) return sh(`tar -xOf "$1" "$2"`, [tmp, name]);
    }
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
