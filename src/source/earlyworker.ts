// The hash worker's thread started before the CLI is loaded: the bundle's launcher (cli/early.ts) starts it
// when a command will need it, so the thread boots (40-90 ms on the other core) while this process reads
// and evaluates the CLI (~100 ms) instead of after, when the first large layer waits for it (a 77 MB gzip
// layer's walk sat idle ~55 ms). The first HashWorker adopts it (hashworker.ts). The launcher and the CLI
// are separate bundles, each with its own copy of this module: the thread is handed over on globalThis.
import { statSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { workerThreads } from '../core/builtins.js';
import { OFFLOAD_MIN_BYTES, WORKER_CODE } from './hashworker-code.js';

/**
 * Does `input` name a local archive the hash worker will take (a file of OFFLOAD_MIN_BYTES or more)? Cheap
 * and silent: the input is neither parsed nor read (what is wrong with it is openImage's to say).
 */
export function largeLocalArchive(input: string): boolean {
  try {
    const st = statSync(input.replace(/^(?:docker-archive|oci-archive):/, ''));
    return st.isFile() && st.size >= OFFLOAD_MIN_BYTES;
  } catch {
    return false;
  }
}

/** A started worker thread with the shared memory it was given, and what became of it before adoption. */
export interface EarlyWorker {
  worker: Worker;
  ring: SharedArrayBuffer;
  ctrl: SharedArrayBuffer;
  /** an error or exit before a HashWorker listened: the adopter fails at once (its streams hash inline) */
  failure?: string;
}

const KEY = Symbol.for('portcullis.earlyHashWorker');
type Slot = { [KEY]?: EarlyWorker };

/** The worker thread a HashWorker with a ring of `ringBytes` starts, started now and left for it to adopt. */
export function startEarlyWorker(ringBytes: number): void {
  const slot = globalThis as Slot;
  if (slot[KEY]) return;
  const ring = new SharedArrayBuffer(ringBytes);
  const ctrl = new SharedArrayBuffer(8);
  let early: EarlyWorker;
  try {
    early = { worker: new (workerThreads().Worker)(WORKER_CODE, { eval: true, workerData: { ring, ctrl }, execArgv: [] }), ring, ctrl };
  } catch {
    return; // resource limits: the CLI starts one itself when it needs one, or hashes inline
  }
  early.worker.once('error', (e: Error) => (early.failure ??= `hash worker failed: ${e.message}`));
  early.worker.once('exit', (code) => (early.failure ??= `hash worker exited (code ${code})`));
  // never keeps the process alive: a command that needs no hashing exits as if it had not been started
  early.worker.unref();
  slot[KEY] = early;
}

/** The early worker when it was started with a ring of `ringBytes` (taken once; another size leaves it there). */
export function takeEarlyWorker(ringBytes: number): EarlyWorker | undefined {
  const slot = globalThis as Slot;
  const early = slot[KEY];
  if (early?.ring.byteLength !== ringBytes) return undefined;
  delete slot[KEY];
  return early;
}
