// `node --import ./test/helpers/module-log.mjs ...`: writes every module the process loads (ES modules
// through a load hook, CommonJS ones from require's cache at exit) to the file PORTCULLIS_MODULE_LOG
// names, one URL or path a line. Used by test/startup.test.ts to see what a command loads, without timing.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import process from 'node:process';

const log = process.env.PORTCULLIS_MODULE_LOG;
if (log) {
  register('./module-log-hooks.mjs', import.meta.url, { data: { log } });
  const require = createRequire(import.meta.url);
  process.on('exit', () => {
    appendFileSync(log, Object.keys(require.cache).map((p) => `${p}\n`).join(''));
  });
}
