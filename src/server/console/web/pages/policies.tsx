// Policies and the base catalog. Each policy is shown as its controls and as the YAML file it is kept
// in; editors change it as a form (policy-form.tsx) or as YAML, which they validate with the server
// (the CLI's schema, nothing stored) before saving it as a new revision. A base from the catalog is approved for a policy by adding it to the
// policy's `baseImage.approved` from the same screen.
import { useState } from 'preact/hooks';
import { api, canEdit, type Me, type RawDocument, type StoredObject } from '../api.js';
import { Empty, Status, time, useGet } from '../ui.js';
import { PolicyForm, type PolicyDoc } from './policy-form.js';

interface PolicyBody {
  metadata: { name: string; description?: string };
  spec: { appliesTo?: { pipelines?: string[]; images?: string[] }; enforcement?: string; controls?: Record<string, unknown> };
}
interface CatalogBody {
  bases?: { name: string; approved?: boolean; configDigest?: string; created?: string; note?: string; os?: { prettyName?: string } }[];
}

type Push = { created: string[]; updated: string[]; unchanged: string[]; valid?: string[] };

function YamlEditor({ doc, edit, onSaved }: { doc: RawDocument; edit: boolean; onSaved: () => void }) {
  const [raw, setRaw] = useState(doc.raw);
  const [msg, setMsg] = useState<{ ok: boolean; text: string }>();
  const send = async (dryRun: boolean) => {
    try {
      const r = await api<Push>('POST', '/documents', { dryRun, documents: [{ file: doc.file, position: doc.position, raw }] });
      setMsg({ ok: true, text: dryRun ? `valid: ${(r.valid ?? []).join(', ')}` : r.updated.length ? `saved: ${r.updated.join(', ')}` : r.created.length ? `saved: ${r.created.join(', ')}` : 'unchanged' });
      if (!dryRun) onSaved();
    } catch (e) {
      setMsg({ ok: false, text: (e as Error).message });
    }
  };
  const id = `yaml-${doc.kind}-${doc.name}`;
  return (
    <div class="yaml">
      <label for={id}>
        {doc.file}
        {doc.position ? ` (document ${doc.position + 1})` : ''}
      </label>
      <textarea id={id} rows={Math.min(30, raw.split('\n').length + 1)} readOnly={!edit} spellcheck={false} value={raw} onInput={(e) => setRaw(e.currentTarget.value)} />
      {edit && (
        <div class="buttons">
          <button type="button" onClick={() => void send(true)}>
            Validate
          </button>
          <button type="button" class="primary" disabled={raw === doc.raw} onClick={() => void send(false)}>
            Save as new revision
          </button>
        </div>
      )}
      {msg && (
        <p class={msg.ok ? 'ok' : 'error'} role={msg.ok ? 'status' : 'alert'}>
          {msg.text}
        </p>
      )}
    </div>
  );
}

function Controls({ controls }: { controls: Record<string, unknown> }) {
  return (
    <dl class="controls">
      {Object.entries(controls).map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd>
            <code>{JSON.stringify(v)}</code>
          </dd>
        </>
      ))}
    </dl>
  );
}

export function PoliciesPage({ me }: { me: Me }) {
  const policies = useGet<{ items: StoredObject<PolicyBody>[] }>('/policies');
  const catalogs = useGet<{ items: StoredObject<CatalogBody>[] }>('/catalogs');
  const docs = useGet<{ documents: RawDocument[] }>('/documents');
  const edit = canEdit(me);
  const [msg, setMsg] = useState<string>();
  const reload = () => {
    policies.reload();
    catalogs.reload();
    docs.reload();
  };
  const rawOf = (kind: string, name: string) => docs.data?.documents.find((d) => d.kind === kind && d.name === name);

  const approve = async (base: string, policy: string) => {
    const p = policies.data?.items.find((x) => x.name === policy);
    if (!p) return;
    const body = structuredClone(p.document) as PolicyBody & { spec: { controls: Record<string, { approved?: string[] }> } };
    body.spec.controls ??= {};
    const bi = (body.spec.controls.baseImage ??= {});
    if ((bi.approved ??= []).includes(base)) return setMsg(`${base} is already approved by ${policy}`);
    bi.approved.push(base);
    try {
      const r = await api<{ revision: number }>('PUT', `/policies/${encodeURIComponent(policy)}`, body);
      setMsg(`${base} approved in ${policy} (revision ${r.revision}).`);
      reload();
    } catch (e) {
      setMsg((e as Error).message);
    }
  };

  return (
    <>
      <h1>Policies</h1>
      {msg && <p role="status">{msg}</p>}
      <Status of={policies}>
        {(d) =>
          d.items.length === 0 ? (
            <Empty>No policy on the server yet: push a folder with <code>portcullis policy push</code>.</Empty>
          ) : (
            <>
              {d.items.map((p) => {
                const raw = rawOf('AssurancePolicy', p.name);
                return (
                  <section class="card wide" aria-labelledby={`pol-${p.name}`}>
                    <h2 id={`pol-${p.name}`}>
                      {p.name} <span class="muted">revision {p.revision}</span>
                    </h2>
                    <p class="muted">
                      {p.document.metadata.description ?? ''} Pipelines {p.document.spec.appliesTo?.pipelines?.join(', ') ?? 'all'}; images {p.document.spec.appliesTo?.images?.join(', ') ?? 'all'}; enforcement{' '}
                      {p.document.spec.enforcement ?? 'block'}. Last changed {time(p.createdAt)} by {p.author}.
                    </p>
                    <Controls controls={p.document.spec.controls ?? {}} />
                    {edit && (
                      <details>
                        <summary>Edit as a form</summary>
                        <PolicyForm
                          key={`${p.name}@${p.revision}`}
                          policy={p.document as unknown as PolicyDoc}
                          onSaved={(rev) => {
                            setMsg(`${p.name} saved as revision ${rev}.`);
                            reload();
                          }}
                        />
                      </details>
                    )}
                    <details>
                      <summary>YAML{edit ? ' (edit)' : ''}</summary>
                      {raw ? <YamlEditor key={`${raw.name}@${raw.revision}`} doc={raw} edit={edit} onSaved={reload} /> : <Empty>Loading…</Empty>}
                    </details>
                  </section>
                );
              })}
            </>
          )
        }
      </Status>

      <h1>Base image catalog</h1>
      <Status of={catalogs}>
        {(d) =>
          d.items.length === 0 ? (
            <Empty>No catalog on the server: record bases with <code>portcullis base add</code> and push the catalog file.</Empty>
          ) : (
            <>
              {d.items.map((c) => (
                <section aria-labelledby={`cat-${c.name}`}>
                  <h2 id={`cat-${c.name}`}>
                    {c.name} <span class="muted">revision {c.revision}</span>
                  </h2>
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Base</th>
                        <th scope="col">OS</th>
                        <th scope="col">Built</th>
                        <th scope="col">Catalog</th>
                        <th scope="col">Approved by</th>
                        {edit && <th scope="col">Approve for</th>}
                      </tr>
                    </thead>
                    <tbody>
                      {(c.document.bases ?? []).map((b) => {
                        const by = (policies.data?.items ?? []).filter((p) => ((p.document.spec.controls?.baseImage as { approved?: string[] } | undefined)?.approved ?? []).includes(b.name)).map((p) => p.name);
                        const others = (policies.data?.items ?? []).map((p) => p.name).filter((n) => !by.includes(n));
                        return (
                          <tr>
                            <td>
                              <code>{b.name}</code>
                              {b.note ? <span class="muted"> {b.note}</span> : null}
                            </td>
                            <td>{b.os?.prettyName ?? '—'}</td>
                            <td>{time(b.created)}</td>
                            <td>{b.approved ? <span class="badge verdict-pass">approved</span> : <span class="badge">recorded</span>}</td>
                            <td>{by.join(', ') || '—'}</td>
                            {edit && (
                              <td>
                                {others.length > 0 && (
                                  <select aria-label={`Approve ${b.name} for a policy`} value="" onChange={(e) => e.currentTarget.value && void approve(b.name, e.currentTarget.value)}>
                                    <option value="">choose a policy…</option>
                                    {others.map((n) => (
                                      <option value={n}>{n}</option>
                                    ))}
                                  </select>
                                )}
                              </td>
                            )}
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                  {rawOf('BaseImageCatalog', c.name) && (
                    <details>
                      <summary>YAML{edit ? ' (edit)' : ''}</summary>
                      <YamlEditor key={`${c.name}@${c.revision}`} doc={rawOf('BaseImageCatalog', c.name)!} edit={edit} onSaved={reload} />
                    </details>
                  )}
                </section>
              ))}
            </>
          )
        }
      </Status>
    </>
  );
}
