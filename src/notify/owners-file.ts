// Reading an owners file from disk (--owners FILE, `owners:` in portcullis.yaml): a regular file, size-capped
// while reading, then parseOwners (owners.ts).
import { readUserFile } from '../core/userfile.js';
import { MAX_OWNERS_BYTES, parseOwners, type OwnersFile } from './owners.js';

export async function loadOwners(path: string, env: NodeJS.ProcessEnv): Promise<OwnersFile> {
  const buf = await readUserFile(path, MAX_OWNERS_BYTES, '--owners');
  return parseOwners(buf.toString('utf8'), path, env);
}
