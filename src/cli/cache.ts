// The layer analysis cache flags shared by `scan` and `sbom`: --no-cache, --cache-max-size SIZE
// (default 2G, or $PORTCULLIS_CACHE_MAX_SIZE). The cache lives in $PORTCULLIS_CACHE_DIR/layers.
import type { Command } from 'commander';
import { DEFAULT_CACHE_MAX_BYTES, defaultLayerCacheDir, LayerCache, type WalkCache } from '../walker/index.js';
import { parseSize } from './commands/common.js';
import type { CliIo } from './io.js';
import { SCANNER } from './version.js';

export function addCacheOptions(cmd: Command): Command {
  return cmd
    .option('--no-cache', 'neither read nor write the layer analysis cache ($PORTCULLIS_CACHE_DIR/layers)')
    .option('--cache-max-size <size>', 'size cap of the layer analysis cache, least recently used layers evicted first (default 2G, or $PORTCULLIS_CACHE_MAX_SIZE)');
}

/** The layer cache the flags ask for, or undefined with --no-cache. */
export function layerCache(opts: Record<string, unknown>, io: CliIo, debug?: (m: string) => void): WalkCache | undefined {
  if (opts.cache === false) return undefined;
  const raw = opts.cacheMaxSize ?? io.env.PORTCULLIS_CACHE_MAX_SIZE;
  const max = raw === undefined || raw === '' ? DEFAULT_CACHE_MAX_BYTES : parseSize(opts.cacheMaxSize !== undefined ? '--cache-max-size' : 'PORTCULLIS_CACHE_MAX_SIZE', String(raw));
  const c: WalkCache = { store: new LayerCache(defaultLayerCacheDir(io.env), max), salt: [SCANNER.name, SCANNER.version] };
  if (debug) c.onNote = debug;
  return c;
}
