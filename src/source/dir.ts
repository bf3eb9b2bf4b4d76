// dir: an unpacked root filesystem (what `buildah mount` gives, or `/`). There is no manifest or config:
// the image has one pseudo-layer whose diffId is `dir:` + the absolute real path of the root, and
// openLayer returns `{kind: 'fs', root}` for the walker to walk (it skips pseudo filesystems).
// The platform is the one asked for, else the host's (the directory does not say).
import { realpathSync, statSync } from 'node:fs';
import type { ImageConfig, ImageRef, Platform, ResolvedImage } from '../core/types.js';
import { PortcullisError } from '../core/errors.js';

const NODE_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export function hostPlatform(): Platform {
  return { os: process.platform, architecture: NODE_ARCH[process.arch] ?? process.arch };
}

export function dirLayerId(root: string): string {
  return `dir:${root}`;
}

export function resolveDir(ref: ImageRef, platform?: Platform): ResolvedImage {
  const input = ref.path ?? ref.input;
  let root: string;
  try {
    root = realpathSync(input);
    if (!statSync(root).isDirectory()) throw new PortcullisError('BAD_INPUT', `${input}: dir: source is not a directory`);
  } catch (e) {
    if (e instanceof PortcullisError) throw e;
    throw new PortcullisError('NOT_FOUND', `${input}: directory not found`, { cause: e, subject: input });
  }
  const diffId = dirLayerId(root);
  const config: ImageConfig = { env: [], labels: {}, exposedPorts: [], history: [], diffIds: [diffId] };
  return {
    ref: { ...ref, transport: 'dir', path: root },
    repoTags: [],
    annotations: {},
    platform: platform ?? hostPlatform(),
    config,
    layers: [{ index: 0, diffId }],
    async openLayer(id: string) {
      if (id !== diffId) throw new PortcullisError('NOT_FOUND', `${root}: no layer ${id} (a dir: source has the single layer ${diffId})`);
      return { kind: 'fs', root };
    },
    async close() {},
  };
}
