// Create an exception from a finding: scope (this image / its repository / all images), pipelines,
// expiry (30 days by default), reason and owner (required). The server validates it with the CLI's
// schema and records it in the audit log.
import { useState } from 'preact/hooks';
import { api, type Finding, type Me } from '../api.js';
import { Dialog } from '../ui.js';

export interface ExceptionTarget {
  finding: Finding | undefined;
  /** what the exception names: the CVE alias of a vulnerability, a secret rule, a check, ... */
  findingKey: string;
  subject: string;
  repository: string | null;
  tag: string | null;
  /** the manifest digest, when the image came from a registry or an OCI layout */
  digest: string | null;
  /** the image id: what a `docker save` archive is known by */
  configDigest: string | null;
  pipeline: string;
}

/** The id an exception is matched by: a CVE alias when there is one (the name people search for). */
export function findingKey(f: Finding | undefined, fallback: string): string {
  if (!f) return fallback;
  if (f.kind === 'vulnerability') return [f.advisoryId ?? '', ...(f.aliases ?? [])].find((a) => a.startsWith('CVE-')) ?? f.advisoryId ?? f.id;
  return f.rule ?? f.check ?? f.signature ?? f.license ?? f.id;
}

const DAY = 86_400_000;
const slug = (s: string) =>
  s
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+|-+$/g, '')
    .slice(0, 100);

export function ExceptionDialog({ me, target, onClose, onCreated }: { me: Me; target: ExceptionTarget; onClose: () => void; onCreated: (id: string) => void }) {
  const repoName = target.repository?.split('/').pop() ?? 'image';
  const [id, setId] = useState(slug(`${target.findingKey}-${repoName}`));
  const [scope, setScope] = useState<'image' | 'repository' | 'all'>(target.repository ? 'repository' : 'image');
  const [pipelines, setPipelines] = useState(target.pipeline);
  const [expires, setExpires] = useState(new Date(Date.parse(me.now) + 30 * DAY).toISOString().slice(0, 10));
  const [reason, setReason] = useState('');
  const [owner, setOwner] = useState(me.name);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const imageRef = target.digest ? (target.repository ? `${target.repository}@${target.digest}` : target.digest) : (target.configDigest ?? (target.repository && target.tag ? `${target.repository}:${target.tag}` : ''));

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const pipes = pipelines
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const body = {
      id,
      finding: target.findingKey,
      scope: scope === 'all' ? { all: true } : scope === 'repository' ? { repository: target.repository } : { image: imageRef },
      ...(pipes.length ? { pipelines: pipes } : {}),
      expires,
      reason: reason.trim(),
      owner: owner.trim(),
    };
    try {
      await api('POST', '/exceptions', body);
      onCreated(id);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Exception for ${target.findingKey}`} onClose={onClose}>
      <form onSubmit={submit} class="form">
        <p class="muted">{target.subject}</p>
        <fieldset>
          <legend>Scope</legend>
          <label>
            <input type="radio" name="scope" value="image" checked={scope === 'image'} disabled={!imageRef} onChange={() => setScope('image')} /> This image <code>{imageRef || 'unknown digest'}</code>
          </label>
          <label>
            <input type="radio" name="scope" value="repository" checked={scope === 'repository'} disabled={!target.repository} onChange={() => setScope('repository')} /> Its repository <code>{target.repository ?? '—'}</code>
          </label>
          <label>
            <input type="radio" name="scope" value="all" checked={scope === 'all'} onChange={() => setScope('all')} /> All images
          </label>
        </fieldset>
        <label for="exc-pipelines">Pipelines (comma-separated globs; empty: every pipeline)</label>
        <input id="exc-pipelines" value={pipelines} onInput={(e) => setPipelines(e.currentTarget.value)} />
        <label for="exc-expires">Expires</label>
        <input id="exc-expires" type="date" required value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
        <label for="exc-reason">Reason (required)</label>
        <textarea id="exc-reason" required autoFocus rows={3} value={reason} onInput={(e) => setReason(e.currentTarget.value)} placeholder="why this finding is acceptable until it expires" />
        <label for="exc-owner">Owner (required)</label>
        <input id="exc-owner" required value={owner} onInput={(e) => setOwner(e.currentTarget.value)} />
        <label for="exc-id">Exception id</label>
        <input id="exc-id" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,127}" value={id} onInput={(e) => setId(e.currentTarget.value)} />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Create exception
          </button>
        </div>
      </form>
    </Dialog>
  );
}
