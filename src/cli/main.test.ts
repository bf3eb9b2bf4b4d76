// The process's end (main.ts): it exits once what was written to stdout and stderr is out, in that order,
// with the run's exit code. On Linux Node writes to pipes synchronously (test/cli-process.test.ts reads a
// large report slowly through one); here the streams hold their writes as an asynchronous pipe does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { exitOnceFlushed } from './main.js';

/** a stream that completes each write only when release() is called */
function heldStream(name: string, events: string[]): { stream: Writable; release: () => void } {
  const pending: (() => void)[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      pending.push(() => {
        events.push(`${name} wrote ${chunk.length}`);
        cb();
      });
    },
  });
  return { stream, release: () => pending.splice(0).forEach((f) => f()) };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('exits only after the writes before it went out: stdout first, then stderr', async () => {
  const events: string[] = [];
  const out = heldStream('stdout', events);
  const err = heldStream('stderr', events);
  out.stream.write('{"report": true}\n');
  err.stream.write('portcullis: scanned\n');
  exitOnceFlushed(1, out.stream, err.stream, (code) => events.push(`exit ${code}`));
  await turn();
  assert.deepEqual(events, [], 'nothing written yet: no exit');
  out.release();
  await turn();
  out.release();
  await turn();
  assert.ok(!events.join(', ').includes('exit'), `stderr still held: ${events.join(', ')}`);
  err.release();
  await turn();
  err.release();
  await turn();
  // (the empty writes it waits on are writes too, queued behind the report)
  assert.deepEqual(events, ['stdout wrote 17', 'stdout wrote 0', 'stderr wrote 20', 'stderr wrote 0', 'exit 1']);
});

test('a destroyed stdout (the reader went away) does not keep the process from exiting', async () => {
  const events: string[] = [];
  const out = new Writable({ write: (_c, _e, cb) => cb() });
  out.on('error', () => undefined);
  out.destroy();
  const err = new Writable({ write: (_c, _e, cb) => cb() });
  exitOnceFlushed(0, out, err, (code) => events.push(`exit ${code}`));
  await turn();
  await turn();
  assert.deepEqual(events, ['exit 0']);
});
