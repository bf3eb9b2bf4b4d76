// The audit log, newest first, filtered by kind, name, action and actor (server-side), with paging.
import { useState } from 'preact/hooks';
import { qs, type AuditEntry } from '../api.js';
import { navigate } from '../router.js';
import { Empty, Status, time, useGet } from '../ui.js';

const KINDS = ['', 'AssurancePolicy', 'Exceptions', 'BaseImageCatalog', 'Pipeline', 'Token'];
const ACTIONS = ['', 'create', 'update', 'restore', 'revoke'];

export function AuditPage({ params }: { params: URLSearchParams }) {
  const f = { kind: params.get('kind') ?? '', name: params.get('name') ?? '', action: params.get('action') ?? '', actor: params.get('actor') ?? '', cursor: params.get('cursor') ?? '' };
  const [form, setForm] = useState(f);
  const log = useGet<{ items: AuditEntry[]; nextCursor: string | null }>(`/audit${qs({ ...f, order: 'desc', limit: '50' })}`);
  const apply = (e: Event) => {
    e.preventDefault();
    navigate('/audit', { ...form, cursor: undefined });
  };
  return (
    <>
      <h1>Audit log</h1>
      <form class="filters" role="search" onSubmit={apply}>
        <label class="inline">
          Kind{' '}
          <select value={form.kind} onChange={(e) => setForm({ ...form, kind: e.currentTarget.value })}>
            {KINDS.map((k) => (
              <option value={k}>{k || 'any'}</option>
            ))}
          </select>
        </label>
        <label class="inline">
          Action{' '}
          <select value={form.action} onChange={(e) => setForm({ ...form, action: e.currentTarget.value })}>
            {ACTIONS.map((k) => (
              <option value={k}>{k || 'any'}</option>
            ))}
          </select>
        </label>
        <label class="inline">
          Name <input value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
        </label>
        <label class="inline">
          Actor <input value={form.actor} onInput={(e) => setForm({ ...form, actor: e.currentTarget.value })} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <Status of={log}>
        {(d) =>
          d.items.length === 0 ? (
            <Empty>No entry matches.</Empty>
          ) : (
            <>
              <table>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Who</th>
                    <th scope="col">Action</th>
                    <th scope="col">What</th>
                    <th scope="col">Revision</th>
                    <th scope="col">Change</th>
                  </tr>
                </thead>
                <tbody>
                  {d.items.map((a) => (
                    <tr>
                      <td>{time(a.at)}</td>
                      <td>{a.actor}</td>
                      <td>{a.action}</td>
                      <td>
                        {a.kind}/<strong>{a.name}</strong>
                      </td>
                      <td>{a.revision ?? '—'}</td>
                      <td>
                        <details>
                          <summary>show</summary>
                          <pre>{JSON.stringify({ before: a.before, after: a.after }, null, 2)}</pre>
                        </details>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {d.nextCursor && (
                <p>
                  <button type="button" onClick={() => navigate('/audit', { ...f, cursor: d.nextCursor ?? undefined })}>
                    Older entries
                  </button>
                </p>
              )}
            </>
          )
        }
      </Status>
    </>
  );
}
