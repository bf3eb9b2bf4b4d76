// One image (a repository, or a digest when it has no name) in one pipeline: the latest decision with
// its violations and the actions that fix them, base-image lineage and advice, the findings, the
// suppressed findings with the exceptions behind them, the inventory (searchable), and the history of
// decisions for the repository.
import { useState } from 'preact/hooks';
import { canEdit, qs, type Action, type Finding, type Me, type Scan, type ScanRow, type Decision } from '../api.js';
import { href } from '../router.js';
import { Empty, Kev, Sev, Status, Verdict, shortDigest, time, useGet } from '../ui.js';
import { ExceptionDialog, findingKey, type ExceptionTarget } from './exception-dialog.js';
import { Inventory } from './inventory.js';
import { BaseDialog } from './base-dialog.js';

type Row = ScanRow & { decision: Decision | null };

export function ImagePage({ me, params }: { me: Me; params: URLSearchParams }) {
  const repo = params.get('repo') ?? undefined;
  const digest = params.get('digest') ?? undefined;
  const history = useGet<{ items: Row[] }>(`/decisions${qs({ repository: repo, digest: repo ? undefined : digest, limit: '100' })}`);
  const rows = history.data?.items ?? [];
  const pipelines = [...new Set(rows.map((r) => r.pipeline))].sort();
  const pipeline = params.get('pipeline') ?? pipelines[0];
  const latest = rows.find((r) => r.pipeline === pipeline);
  const scan = useGet<Scan>(latest ? `/reports/${latest.id}` : null);
  const [target, setTarget] = useState<ExceptionTarget>();
  const [created, setCreated] = useState<string>();
  const title = repo ?? shortDigest(digest);

  return (
    <>
      <p>
        <a href={href('/')}>← Dashboard</a>
      </p>
      <h1>{title}</h1>
      <Status of={history}>
        {() =>
          rows.length === 0 ? (
            <Empty>No scan of this image was uploaded.</Empty>
          ) : (
            <>
              <nav aria-label="Pipelines" class="tabs">
                {pipelines.map((p) => (
                  <a href={href('/image', { repo, digest, pipeline: p })} aria-current={p === pipeline ? 'page' : undefined}>
                    {p} <Verdict v={rows.find((r) => r.pipeline === p)?.verdict} />
                  </a>
                ))}
              </nav>
              {created && (
                <p class="ok" role="status">
                  Exception <a href={href('/exceptions', { q: created })}>{created}</a> created. It applies from the next scan of this image.
                </p>
              )}
              <Status of={scan}>{(s) => <Latest me={me} scan={s} onExcept={setTarget} />}</Status>
              <section aria-labelledby="h-history">
                <h2 id="h-history">Decision history</h2>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Scan</th>
                      <th scope="col">Pipeline</th>
                      <th scope="col">Tag</th>
                      <th scope="col">Digest</th>
                      <th scope="col">Verdict</th>
                      <th scope="col">Violations</th>
                      <th scope="col">Exceptions applied</th>
                      <th scope="col">Uploaded</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr>
                        <td>{r.id}</td>
                        <td>{r.pipeline}</td>
                        <td>{r.tag ?? '—'}</td>
                        <td>
                          <code>{shortDigest(r.digest)}</code>
                        </td>
                        <td>
                          <Verdict v={r.verdict} />
                        </td>
                        <td>{r.decision?.violations.length ?? '—'}</td>
                        <td>{r.decision?.exceptions.applied.join(', ') || '—'}</td>
                        <td>{time(r.uploadedAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
            </>
          )
        }
      </Status>
      {target && (
        <ExceptionDialog
          me={me}
          target={target}
          onClose={() => setTarget(undefined)}
          onCreated={(id) => {
            setTarget(undefined);
            setCreated(id);
          }}
        />
      )}
    </>
  );
}

function Latest({ me, scan, onExcept }: { me: Me; scan: Scan; onExcept: (t: ExceptionTarget) => void }) {
  const d = scan.decision;
  const r = scan.report;
  const byId = new Map(r.findings.map((f) => [f.id, f]));
  const edit = canEdit(me);
  const except = (f: Finding | undefined, fallbackId: string, subject: string) =>
    onExcept({ finding: f, findingKey: findingKey(f, fallbackId), subject, repository: scan.repository, tag: scan.tag, digest: scan.digest, configDigest: d?.image.configDigest ?? r.inventory.image.configDigest ?? null, pipeline: scan.pipeline });
  const [q, setQ] = useState('');
  const [recording, setRecording] = useState(false);
  const [recorded, setRecorded] = useState<string>();
  const findings = r.findings.filter((f) => !q || `${f.title} ${f.advisoryId ?? ''} ${(f.aliases ?? []).join(' ')} ${f.package?.name ?? ''}`.toLowerCase().includes(q.toLowerCase()));
  return (
    <>
      <section aria-labelledby="h-decision">
        <h2 id="h-decision">
          Latest decision in {scan.pipeline}: <Verdict v={d?.verdict ?? scan.verdict} />
        </h2>
        <p class="muted">
          {scan.tag ? `tag ${scan.tag}, ` : ''}
          {scan.digest ? 'digest ' : 'image id '}
          <code>{shortDigest(scan.digest ?? r.inventory.image.configDigest)}</code>, scanned {time(scan.uploadedAt)} by {scan.uploadedBy}
          {d ? `; policies ${d.policies.names.join(', ') || 'none'}` : '; no policy was evaluated'}
          {d && d.exceptions.applied.length > 0 ? `; exceptions applied: ${d.exceptions.applied.join(', ')}` : ''}
        </p>
        {d?.allowlisted && (
          <p class="ok">
            Allowlisted as {d.allowlisted.image} until {d.allowlisted.expires} ({d.allowlisted.reason}, {d.allowlisted.owner})
          </p>
        )}
        {d && d.violations.length > 0 && (
          <table>
            <caption>Violations</caption>
            <thead>
              <tr>
                <th scope="col">Control</th>
                <th scope="col">Finding</th>
                <th scope="col">Fix</th>
                {edit && <th scope="col">Exception</th>}
              </tr>
            </thead>
            <tbody>
              {d.violations.map((v) => {
                const f = v.findingId ? byId.get(v.findingId) : undefined;
                return (
                  <tr>
                    <td>
                      <code>{v.control}</code> <span class="muted">({v.policy}{v.enforcement === 'audit' ? ', audit' : ''})</span>
                    </td>
                    <td>
                      {f && <Sev s={f.severity} />} {f?.kev && <Kev />} {v.subject ?? v.message}
                    </td>
                    <td>{v.remediation ?? f?.remediation ?? '—'}</td>
                    {edit && (
                      <td>
                        {v.findingId && (
                          <button type="button" onClick={() => except(f, v.findingId!, v.subject ?? v.message)}>
                            Add exception
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {d && d.notices.length > 0 && (
          <ul class="notices">
            {d.notices.map((n) => (
              <li>{n}</li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="h-suppressed">
        <h2 id="h-suppressed">Suppressed findings</h2>
        {!d || d.suppressed.length === 0 ? (
          <Empty>None.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Finding</th>
                <th scope="col">By</th>
                <th scope="col">Rule</th>
                <th scope="col">Reason</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {d.suppressed.map((s) => (
                <tr>
                  <td>{s.subject ?? s.findingId}</td>
                  <td>{s.by}</td>
                  <td>{s.by === 'exception' ? <a href={href('/exceptions', { q: s.ruleId })}>{s.ruleId}</a> : s.ruleId}</td>
                  <td>{s.reason ?? '—'}</td>
                  <td>{s.expires ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {r.actions && r.actions.length > 0 && (
        <section aria-labelledby="h-actions">
          <h2 id="h-actions">Actions</h2>
          <ActionList actions={r.actions.slice(0, 10)} start={1} />
          {r.actions.length > 10 && (
            <details>
              <summary>{r.actions.length - 10} more actions</summary>
              <ActionList actions={r.actions.slice(10)} start={11} />
            </details>
          )}
        </section>
      )}

      <section aria-labelledby="h-lineage">
        <h2 id="h-lineage">Base image</h2>
        {r.lineage && r.lineage.chain.length > 0 ? (
          <>
            <p>
              {r.lineage.chain.map((b, i) => (
                <>
                  {i > 0 && ' ← '}
                  <code>{b.name}</code> {b.approved === true ? <span class="badge verdict-pass">approved</span> : b.approved === false ? <span class="badge verdict-fail">not approved</span> : null}
                </>
              ))}{' '}
              <span class="muted">
                ({r.lineage.method}, {r.lineage.confidence} confidence, {r.lineage.baseLayers} base layers)
              </span>
            </p>
            {r.lineage.advice && r.lineage.advice.length > 0 && (
              <ul>
                {r.lineage.advice.map((a) => (
                  <li>
                    {a.kind} to <code>{a.name}</code>: fixes {a.fixes}, {a.remaining} remain
                  </li>
                ))}
              </ul>
            )}
          </>
        ) : (
          <Empty>{r.lineage?.detail ?? 'No base image identified.'}</Empty>
        )}
        {edit && (
          <p>
            <button type="button" onClick={() => setRecording(true)}>
              Record as a base image
            </button>
          </p>
        )}
        {recorded && (
          <p class="ok" role="status">
            {recorded} <a href={href('/policies')}>Approve it for a policy</a>
          </p>
        )}
        {recording && (
          <BaseDialog
            scanId={scan.id}
            suggested={scan.repository && scan.tag ? `${scan.repository}:${scan.tag}` : ''}
            onClose={() => setRecording(false)}
            onDone={(text) => {
              setRecording(false);
              setRecorded(text);
            }}
          />
        )}
      </section>

      <section aria-labelledby="h-findings">
        <h2 id="h-findings">Findings ({r.findings.length})</h2>
        <label class="inline">
          Search findings <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} placeholder="CVE, package, title" />
        </label>
        <table>
          <thead>
            <tr>
              <th scope="col">Severity</th>
              <th scope="col">Finding</th>
              <th scope="col">Fix</th>
              {edit && <th scope="col">Exception</th>}
            </tr>
          </thead>
          <tbody>
            {findings.slice(0, 200).map((f) => (
              <tr>
                <td>
                  <Sev s={f.severity} /> {f.kev && <Kev />}
                </td>
                <td>
                  {f.kind === 'vulnerability' ? <code>{findingKey(f, f.id)}</code> : <span class="muted">{f.kind}</span>} {f.title}
                  {f.package ? ` (${f.package.name} ${f.package.version})` : ''}
                </td>
                <td>{f.remediation ?? (f.fixedVersion ? `upgrade to ${f.fixedVersion}` : '—')}</td>
                {edit && (
                  <td>
                    <button type="button" class="small" onClick={() => except(f, f.id, f.title)} aria-label={`Except ${findingKey(f, f.id)}`}>
                      Except
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        {findings.length > 200 && <p class="muted">First 200 of {findings.length}: refine the search.</p>}
      </section>

      <Inventory report={r} />
    </>
  );
}

function ActionList({ actions, start }: { actions: Action[]; start: number }) {
  return (
    <ol start={start}>
      {actions.map((a) => (
        <li>
          {a.decides && <strong>[decides] </strong>}
          {a.text} <Sev s={a.severity} /> {a.kev && <Kev />}{' '}
          <span class="muted">
            {a.origin ? `${a.origin} layer, ` : ''}fixes {a.fixes.ids.length}
            {a.remaining.length ? `, ${a.remaining.length} remain` : ''}
          </span>
        </li>
      ))}
    </ol>
  );
}
