// Orchestration of the inventory stage: open the image, walk it once with every analyzer, merge.
import type { Analyzer, Platform } from '../core/types.js';
import type { Inventory } from '../core/report.js';
import type { WalkLimits } from '../core/types.js';
import { openImage, type OpenOptions } from '../source/index.js';
import { walkImage } from '../walker/index.js';
import { analyzers as allAnalyzers } from '../analyzers/registry.js';
import { buildInventory } from './inventory.js';

export interface CollectOptions {
  platform?: Platform;
  signal?: AbortSignal;
  analyzers?: Analyzer[];
  limits?: Partial<WalkLimits>;
  onLayer?: (done: number, total: number) => void;
  /** registry access for registry references */
  registry?: OpenOptions['registry'];
}

export async function collectInventory(input: string, opts: CollectOptions = {}): Promise<Inventory> {
  const image = await openImage(input, { platform: opts.platform, signal: opts.signal, ...(opts.registry ? { registry: opts.registry } : {}) });
  try {
    const walk = await walkImage(image, opts.analyzers ?? allAnalyzers, {
      signal: opts.signal,
      limits: opts.limits,
      onLayer: opts.onLayer,
    });
    return buildInventory(image, walk);
  } finally {
    await image.close();
  }
}
