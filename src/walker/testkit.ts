// Test helper: an in-memory ResolvedImage over uncompressed tar layers (layer i is "step i+1").
import { Readable } from 'node:stream';
import type { ResolvedImage } from '../core/types.js';
import { sha } from '../source/testkit.js';

export function memImage(layers: Buffer[]): ResolvedImage {
  const infos = layers.map((b, i) => ({ index: i, diffId: sha(Buffer.concat([b, Buffer.from([i])])), createdBy: `step ${i + 1}` }));
  return {
    ref: { input: 'mem.tar', transport: 'docker-archive', path: 'mem.tar' },
    repoTags: [],
    annotations: {},
    platform: { os: 'linux', architecture: 'amd64' },
    config: { env: [], labels: {}, exposedPorts: [], history: [], diffIds: infos.map((l) => l.diffId) },
    layers: infos,
    async openLayer(d: string) {
      const i = infos.findIndex((l) => l.diffId === d);
      return { kind: 'tar', stream: Readable.from([layers[i]!]) };
    },
    async close() {},
  };
}
