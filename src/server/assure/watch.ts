// Registry watch: repositories (or whole registries, by catalog listing) registered in the server are polled (each on its own interval, with its
// own limit of manifest requests in flight) for new tags and for tags that moved to a new digest; each
// new (tag, digest) becomes one scan job, keyed so it is scanned once. The registry client retries 429
// and 5xx with backoff and honours Retry-After.
import { PortcullisError } from '../../core/errors.js';
import { getManifest } from '../../source/registry/blobs.js';
import { readBody } from '../../source/registry/http.js';
import { makeClient, type RegistryOptions } from '../../source/registry/resolve.js';
import type { Store } from '../store/db.js';
import { enqueue } from '../queue/queue.js';

export const SCAN_QUEUE = 'scan';
const MAX_TAGS = 10_000;

export interface ScanPayload {
  pipeline: string;
  /** host[:port]/name */
  repository: string;
  tag: string;
  digest: string;
}

/** `host[:port]/name`, or `host[:port]/*` for every repository of the registry. */
export function splitRepository(repository: string): { host: string; repo: string } {
  const i = repository.indexOf('/');
  if (i <= 0 || !/[.:]|^localhost$/.test(repository.slice(0, i))) throw new PortcullisError('BAD_INPUT', `${repository}: expected REGISTRY/NAME (e.g. registry.example.com/team/app)`);
  return { host: repository.slice(0, i), repo: repository.slice(i + 1) };
}

export async function addWatch(store: Store, w: { repository: string; pipeline: string; intervalSeconds?: number; concurrency?: number }, now: Date): Promise<number> {
  splitRepository(w.repository);
  const values = { interval_seconds: w.intervalSeconds ?? 300, concurrency: w.concurrency ?? 4, next_poll_at: now.toISOString() };
  await store.db.insertInto('watches').values({ repository: w.repository, pipeline: w.pipeline, ...values, last_error: null, created_at: now.toISOString() })
    .onConflict((oc) => oc.columns(['repository', 'pipeline']).doUpdateSet(values)).execute();
  const r = await store.db.selectFrom('watches').select('id').where('repository', '=', w.repository).where('pipeline', '=', w.pipeline).executeTakeFirstOrThrow();
  return Number(r.id);
}

async function listTags(client: ReturnType<typeof makeClient>, repo: string): Promise<string[]> {
  const res = await client.send(repo, `/v2/${repo}/tags/list?n=${MAX_TAGS}`);
  const body = JSON.parse((await readBody(res, 8 * 1024 * 1024, `${repo} tags`)).toString('utf8')) as { tags?: unknown };
  return Array.isArray(body.tags) ? body.tags.filter((t): t is string => typeof t === 'string' && /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(t)).sort() : [];
}

/** Every repository of the registry (`/v2/_catalog`), for a whole-registry watch (`host/*`). */
async function listCatalog(client: ReturnType<typeof makeClient>): Promise<string[]> {
  const out: string[] = [];
  const page = 1000; // distribution's largest page
  for (let last: string | undefined; out.length < MAX_TAGS; ) {
    const res = await client.send('', `/v2/_catalog?n=${page}${last ? `&last=${encodeURIComponent(last)}` : ''}`);
    const body = JSON.parse((await readBody(res, 8 * 1024 * 1024, 'catalog')).toString('utf8')) as { repositories?: unknown };
    const got = Array.isArray(body.repositories) ? body.repositories.filter((r): r is string => typeof r === 'string') : [];
    out.push(...got.filter((r) => /^[a-z0-9]+([._/-][a-z0-9]+)*$/.test(r)));
    if (got.length < page || got[got.length - 1] === last) break;
    last = got[got.length - 1];
  }
  return [...new Set(out)].sort();
}

async function lanes<T>(items: T[], n: number, f: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, async () => {
    while (next < items.length) await f(items[next++]!);
  }));
}

export interface PollResult {
  polled: number;
  /** scan jobs newly queued */
  queued: number;
  errors: string[];
}

/** Poll every watch that is due; queue a scan for each new or moved tag. */
export async function pollWatches(store: Store, now: Date, registry: RegistryOptions = {}): Promise<PollResult> {
  const due = await store.db.selectFrom('watches').selectAll().where('next_poll_at', '<=', now.toISOString()).orderBy('id').execute();
  const out: PollResult = { polled: 0, queued: 0, errors: [] };
  for (const w of due) {
    const id = Number(w.id);
    let error: string | null = null;
    try {
      const { host, repo } = splitRepository(w.repository);
      const client = makeClient(host, registry);
      // a whole registry (`host/*`): every repository its catalog lists; seen tags are kept as `repo:tag`
      const whole = repo === '*';
      const repos = whole ? await listCatalog(client) : [repo];
      const seen = new Map((await store.db.selectFrom('watched_tags').select(['tag', 'digest']).where('watch_id', '=', id).execute()).map((r) => [r.tag, r.digest]));
      const found: (ScanPayload & { key: string })[] = [];
      const refs: { repo: string; tag: string }[] = [];
      for (const r of repos) for (const tag of await listTags(client, r)) refs.push({ repo: r, tag });
      await lanes(refs, w.concurrency, async ({ repo: r, tag }) => {
        const m = await getManifest(client, r, tag);
        const key = whole ? `${r}:${tag}` : tag;
        if (seen.get(key) !== m.digest) found.push({ pipeline: w.pipeline, repository: `${host}/${r}`, tag, digest: m.digest, key });
      });
      found.sort((a, b) => (a.key < b.key ? -1 : 1));
      out.queued += await enqueue(store, found.map(({ key: _k, ...p }) => ({ queue: SCAN_QUEUE, key: `scan:${p.pipeline}:${p.repository}:${p.tag}@${p.digest}`, payload: p })), now);
      for (const p of found) {
        await store.db.insertInto('watched_tags').values({ watch_id: id, tag: p.key, digest: p.digest, seen_at: now.toISOString() })
          .onConflict((oc) => oc.columns(['watch_id', 'tag']).doUpdateSet({ digest: p.digest, seen_at: now.toISOString() })).execute();
      }
      out.polled++;
    } catch (e) {
      error = (e as Error).message;
      out.errors.push(`${w.repository}: ${error}`);
    }
    await store.db.updateTable('watches').set({ next_poll_at: new Date(now.getTime() + w.interval_seconds * 1000).toISOString(), last_error: error }).where('id', '=', id).execute();
  }
  return out;
}
