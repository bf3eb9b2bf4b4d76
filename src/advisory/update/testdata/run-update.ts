// Child process for the concurrency and kill tests: runs one update and prints its action.
import { updateDb } from '../update.js';

const [source, db] = process.argv.slice(2);
const r = await updateDb({ source, db: db as string, retries: 0, timeoutMs: 60_000, lockTimeoutMs: 60_000, log: (m) => process.stderr.write(m + '\n') });
process.stdout.write(JSON.stringify({ action: r.action, pid: process.pid }) + '\n');
