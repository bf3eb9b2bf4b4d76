// Node built-in modules loaded when first used instead of with every start: node:worker_threads costs a
// start ~3 ms (with its messaging and diagnostics modules) and a small image's scan starts no thread;
// node:net (~5 ms with its dependencies) is for clamd alone. `require` keeps the loading synchronous.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export const workerThreads = (): typeof import('node:worker_threads') => load('node:worker_threads') as typeof import('node:worker_threads');
export const net = (): typeof import('node:net') => load('node:net') as typeof import('node:net');
