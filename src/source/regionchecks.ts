// The digests of a local image's large plain layers — an uncompressed blob of 8 MiB or more in a local file
// (a plain archive's member, the temp copy of a compressed archive, an OCI layout's blob) — each hashed once
// in a hash worker, apart from any stream of it, in layer order from the moment the walk starts
// (ResolvedImage.checkAhead). A layer walked (openLayerUnchecked) and a layer replayed from the layer cache
// (verifyLayer) wait on the same check.
//
// Why ahead and apart: hashed where the walk read them (ringregion.ts), the two threads took turns — the
// walk waited for the hash while it passed over large files nobody reads, the hash thread idled while the
// walk parsed a run of small files — and a check started only when its layer was opened left the hash
// thread idle between layers, then ended well after the walk on layers of large files.
import { stat } from 'node:fs/promises';
import { identityOf, type FileIdentity } from './fileidentity.js';
import { fileHashWorker, HashWorkerError, OFFLOAD_MIN_BYTES, sharedHashWorker } from './hashworker.js';
import { compressionAt, type BlobRegion } from './store.js';
import { asReadError, layerReadError, mismatch } from './streams.js';

/** What a check needs of its image (image.ts ImageParts and its helpers). */
export interface CheckedLayer {
  /** names the layer in errors */
  what: string;
  region: BlobRegion | undefined;
  /** the digests the region's bytes must have, each with the name a mismatch gives */
  expected: { digest: string; what: string }[];
  /** every expected digest is known to hold from this run already (a compressed archive's temp copy) */
  known: boolean;
  /** every digest matched: noted for the store */
  onVerified(): void;
}

export interface RegionCheck {
  /** names the layer in errors */
  what: string;
  /** the file as it was when the check was made: a stream of the region must find it so, before and after */
  ident: FileIdentity;
  region: BlobRegion;
  /** settles once the region's digest matched every expected digest; rejects as openLayer's stream would fail */
  done: Promise<void>;
}

export class RegionChecks {
  private readonly checks = new Map<number, Promise<RegionCheck | undefined>>();
  /** checks made and not started, in layer order */
  private readonly queue: (() => void)[] = [];
  private running = 0;
  private readonly ac = new AbortController();

  /** checks run at once (each in a hash worker of its own) */
  private parallel = 1;

  constructor(private readonly layer: (i: number) => CheckedLayer) {}

  /** The check of layer `i` (queued now if it was not), or undefined when the layer is not one this hashes apart. */
  of(i: number): Promise<RegionCheck | undefined> {
    let c = this.checks.get(i);
    if (!c) {
      c = this.make(i);
      this.checks.set(i, c);
    }
    return c;
  }

  /** Queue the check of every layer `count` that is one, in order, and run `parallel` at once from now on. */
  ahead(count: number, parallel: number): void {
    for (let i = 0; i < count; i++) this.of(i).catch(() => undefined); // asked for again in its turn
    this.parallel = Math.max(1, parallel);
    while (this.running < this.parallel && this.queue.length > 0) this.queue.shift()!();
  }

  /** Stop every check under way or queued (the image is closed): they reject. */
  close(): void {
    this.ac.abort();
    for (const start of this.queue.splice(0)) start();
  }

  private async make(i: number): Promise<RegionCheck | undefined> {
    const c = this.layer(i);
    const { region } = c;
    if (!region || region.size < OFFLOAD_MIN_BYTES) return undefined;
    let ident: FileIdentity;
    try {
      if ((await compressionAt(region.path, region.offset, region.size)) !== 'none') return undefined;
      if (!sharedHashWorker()) return undefined;
      ident = identityOf(await stat(region.path, { bigint: true }));
    } catch (e) {
      throw asReadError(e, c.what);
    }
    // queued in layer order, whichever layer's file was looked at first: the one before is queued (or found
    // not to be one) before this one
    const before = this.checks.get(i - 1);
    if (before) await before.catch(() => undefined);
    const done = c.known ? Promise.resolve() : this.queued().then(() => this.hash(c, region, ident));
    done.catch(() => undefined); // its callers await it; not an unhandled rejection when a walk failed first
    return { what: c.what, ident, region, done };
  }

  /** Resolves when a check may start: at once when fewer than `parallel` run, else when one ends. */
  private queued(): Promise<void> {
    if (this.running < this.parallel && this.queue.length === 0) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.queue.push(() => (this.running++, resolve())));
  }

  private async hash(c: CheckedLayer, region: BlobRegion, ident: FileIdentity): Promise<void> {
    try {
      let hex: string;
      try {
        const worker = fileHashWorker();
        if (!worker) throw new HashWorkerError('no hash worker runs');
        hex = await worker.hashFile(region.path, region.offset, region.size, this.ac.signal, ident);
      } catch (e) {
        throw layerReadError(e, c.what);
      }
      const got = `sha256:${hex}`;
      for (const e of c.expected) if (got !== e.digest) throw mismatch(e.digest, got, e.what);
      c.onVerified();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}
