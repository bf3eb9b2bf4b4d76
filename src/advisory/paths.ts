// Where the advisory DB lives by default.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DB_FILE_NAME = 'portcullis.db';

/** `$PORTCULLIS_DB`, else `$PORTCULLIS_CACHE_DIR/db/portcullis.db`, else `~/.cache/portcullis/db/portcullis.db`. */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PORTCULLIS_DB) return env.PORTCULLIS_DB;
  const cache = env.PORTCULLIS_CACHE_DIR || join(env.HOME || homedir(), '.cache', 'portcullis');
  return join(cache, 'db', DB_FILE_NAME);
}
