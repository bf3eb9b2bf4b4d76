// Exceptions (list, filter, revoke) and the allowlist (list, add, revoke). Creating an exception
// starts from a finding on an image page; revoking writes a new revision (kept in the history).
import { useState } from 'preact/hooks';
import { api, canEdit, type AllowEntry, type Exception, type Me } from '../api.js';
import { href } from '../router.js';
import { Dialog, Empty, Status, day, useGet } from '../ui.js';

const scopeText = (s: Exception['scope']) => (s.all ? 'all images' : s.repository ? `repository ${s.repository}` : `image ${s.image}`);

export function ExceptionsPage({ me, params }: { me: Me; params: URLSearchParams }) {
  const list = useGet<{ items: Exception[] }>('/exceptions');
  const allow = useGet<{ items: AllowEntry[] }>('/allowlist');
  const [q, setQ] = useState(params.get('q') ?? '');
  const [state, setState] = useState<'all' | 'active' | 'expired'>('all');
  const [message, setMessage] = useState<string>();
  const [adding, setAdding] = useState(false);
  const edit = canEdit(me);

  const revoke = async (what: 'exceptions' | 'allowlist', id: string) => {
    if (!confirm(`Revoke ${id}? Images it covers fail again from their next scan.`)) return;
    try {
      await api('DELETE', `/${what}/${encodeURIComponent(id)}`);
      setMessage(`${id} revoked.`);
      list.reload();
      allow.reload();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };

  return (
    <>
      <h1>Exceptions</h1>
      {message && <p role="status">{message}</p>}
      <div class="filters" role="search">
        <label class="inline">
          Filter <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} placeholder="id, finding, scope, owner" />
        </label>
        <label class="inline">
          State{' '}
          <select value={state} onChange={(e) => setState(e.currentTarget.value as typeof state)}>
            <option value="all">all</option>
            <option value="active">active</option>
            <option value="expired">expired</option>
          </select>
        </label>
      </div>
      {edit && <p class="muted">To add an exception, open an image from the dashboard and choose “Add exception” on a finding.</p>}
      <Status of={list}>
        {(d) => {
          const needle = q.toLowerCase();
          const items = d.items.filter(
            (e) => (state === 'all' || e.active === (state === 'active')) && (!needle || `${e.id} ${e.finding} ${scopeText(e.scope)} ${e.owner} ${e.reason} ${(e.pipelines ?? []).join(' ')}`.toLowerCase().includes(needle)),
          );
          return items.length === 0 ? (
            <Empty>No exception matches.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Finding</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Pipelines</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Expires</th>
                  {edit && <th scope="col">Revoke</th>}
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr>
                    <td>
                      {e.id} <span class="muted">r{e.revision}</span>
                    </td>
                    <td>
                      <code>{e.finding}</code>
                      {e.package ? ` in ${e.package}` : ''}
                    </td>
                    <td>{e.scope.repository ? <a href={href('/image', { repo: e.scope.repository })}>{scopeText(e.scope)}</a> : scopeText(e.scope)}</td>
                    <td>{e.pipelines?.join(', ') ?? 'all'}</td>
                    <td>{e.owner}</td>
                    <td>{e.reason}</td>
                    <td>
                      {day(e.expiresAt)} {!e.active && <span class="badge verdict-fail">expired</span>}
                    </td>
                    {edit && (
                      <td>
                        <button type="button" class="small" onClick={() => void revoke('exceptions', e.id)} aria-label={`Revoke ${e.id}`}>
                          Revoke
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </Status>

      <h2>Allowlist</h2>
      <p class="muted">An allowlisted image passes regardless of its findings, until the entry expires.</p>
      {edit && (
        <button type="button" onClick={() => setAdding(true)}>
          Allowlist an image
        </button>
      )}
      <Status of={allow}>
        {(d) =>
          d.items.length === 0 ? (
            <Empty>No image is allowlisted.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Image</th>
                  <th scope="col">Pipelines</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Expires</th>
                  {edit && <th scope="col">Revoke</th>}
                </tr>
              </thead>
              <tbody>
                {d.items.map((a) => (
                  <tr>
                    <td>
                      <code>{a.image}</code>
                    </td>
                    <td>{a.pipelines?.join(', ') ?? 'all'}</td>
                    <td>{a.owner}</td>
                    <td>{a.reason}</td>
                    <td>
                      {day(a.expiresAt)} {!a.active && <span class="badge verdict-fail">expired</span>}
                    </td>
                    {edit && (
                      <td>
                        <button type="button" class="small" onClick={() => void revoke('allowlist', a.id)} aria-label={`Revoke allowlist entry for ${a.image}`}>
                          Revoke
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Status>
      {adding && (
        <AllowDialog
          me={me}
          onClose={() => setAdding(false)}
          onDone={() => {
            setAdding(false);
            setMessage('Image allowlisted.');
            allow.reload();
          }}
        />
      )}
    </>
  );
}

function AllowDialog({ me, onClose, onDone }: { me: Me; onClose: () => void; onDone: () => void }) {
  const [image, setImage] = useState('');
  const [pipelines, setPipelines] = useState('');
  const [expires, setExpires] = useState(new Date(Date.parse(me.now) + 30 * 86_400_000).toISOString().slice(0, 10));
  const [reason, setReason] = useState('');
  const [owner, setOwner] = useState(me.name);
  const [error, setError] = useState<string>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const pipes = pipelines
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    try {
      await api('POST', '/allowlist', { image: image.trim(), ...(pipes.length ? { pipelines: pipes } : {}), expires, reason: reason.trim(), owner: owner.trim() });
      onDone();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <Dialog title="Allowlist an image" onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <label for="al-image">Image (pin a digest: repo@sha256:…)</label>
        <input id="al-image" required value={image} onInput={(e) => setImage(e.currentTarget.value)} />
        <label for="al-pipelines">Pipelines (comma-separated globs; empty: every pipeline)</label>
        <input id="al-pipelines" value={pipelines} onInput={(e) => setPipelines(e.currentTarget.value)} />
        <label for="al-expires">Expires</label>
        <input id="al-expires" type="date" required value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
        <label for="al-reason">Reason (required)</label>
        <textarea id="al-reason" required rows={2} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        <label for="al-owner">Owner (required)</label>
        <input id="al-owner" required value={owner} onInput={(e) => setOwner(e.currentTarget.value)} />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary">
            Allowlist
          </button>
        </div>
      </form>
    </Dialog>
  );
}
