// Dashboard: images by verdict per pipeline, the controls blocking most images, the vulnerabilities
// in most images (KEV, EPSS), exceptions expiring this week, the advisory DB's age; every image links
// to its page.
import { useState } from 'preact/hooks';
import type { Me, Severity } from '../api.js';
import { href } from '../router.js';
import { Empty, Kev, Sev, Status, Verdict, day, shortDigest, time, useGet } from '../ui.js';

interface Dash {
  generatedAt: string;
  images: { scanId: string; pipeline: string; repository: string | null; tag: string | null; digest: string | null; verdict: string | null; uploadedAt: string; violations: number; findings: number }[];
  pipelines: { pipeline: string; pass: number; fail: number; error: number; none: number }[];
  controls: { control: string; images: number; policies: string[] }[];
  vulnerabilities: { id: string; aliases: string[]; severity: Severity; kev: boolean; epss?: number; packages: string[]; images: number }[];
  expiring: { type: 'exception' | 'allowlist'; id: string; subject: string; owner: string; expiresAt: string; daysLeft: number }[];
  db: { builtAt: string; ageHours: number } | null;
}

const ORDER: Record<string, number> = { fail: 0, error: 1, pass: 2 };

export function Dashboard({ me: _me }: { me: Me }) {
  const d = useGet<Dash>('/dashboard');
  const [pipeline, setPipeline] = useState('');
  const [filter, setFilter] = useState('');
  return (
    <>
      <h1>Dashboard</h1>
      <Status of={d}>
        {(x) => {
          const images = x.images
            .filter((i) => (!pipeline || i.pipeline === pipeline) && (!filter || (i.repository ?? i.digest ?? '').includes(filter)))
            .sort((a, b) => (ORDER[a.verdict ?? ''] ?? 3) - (ORDER[b.verdict ?? ''] ?? 3) || (a.repository ?? '').localeCompare(b.repository ?? ''));
          return (
            <>
              <section class="cards" aria-label="Summary">
                <div class="card">
                  <h2>Images</h2>
                  <p class="big">{new Set(x.images.map((i) => i.repository ?? i.digest ?? i.scanId)).size}</p>
                  <p>
                    in {x.pipelines.length} {x.pipelines.length === 1 ? 'pipeline' : 'pipelines'}:{' '}
                    <span class="badge verdict-fail">{x.images.filter((i) => i.verdict === 'fail').length} failing</span>{' '}
                    <span class="badge verdict-pass">{x.images.filter((i) => i.verdict === 'pass').length} passing</span>
                  </p>
                </div>
                <div class="card">
                  <h2>Expiring this week</h2>
                  <p class="big">{x.expiring.length}</p>
                  <p class="muted">exceptions and allowlist entries</p>
                </div>
                <div class="card">
                  <h2>Advisory DB</h2>
                  {x.db ? (
                    <>
                      <p class={`big ${x.db.ageHours > 72 ? 'warn' : ''}`}>{x.db.ageHours < 48 ? `${x.db.ageHours} h` : `${Math.floor(x.db.ageHours / 24)} days`}</p>
                      <p class="muted">old, built {time(x.db.builtAt)} (newest scans)</p>
                    </>
                  ) : (
                    <p class="muted">unknown: no scan reported its DB</p>
                  )}
                </div>
              </section>

              <section aria-labelledby="h-pipelines">
                <h2 id="h-pipelines">Verdicts per pipeline</h2>
                {x.pipelines.length === 0 ? (
                  <Empty>No scans uploaded yet: run <code>portcullis scan IMAGE --server URL --pipeline NAME</code> in a pipeline.</Empty>
                ) : (
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Pipeline</th>
                        <th scope="col">Fail</th>
                        <th scope="col">Pass</th>
                        <th scope="col">Error</th>
                        <th scope="col">No policy</th>
                      </tr>
                    </thead>
                    <tbody>
                      {x.pipelines.map((p) => (
                        <tr>
                          <th scope="row">
                            <button type="button" class="link" aria-pressed={pipeline === p.pipeline} onClick={() => setPipeline(pipeline === p.pipeline ? '' : p.pipeline)}>
                              {p.pipeline}
                            </button>
                          </th>
                          <td>{p.fail ? <span class="badge verdict-fail">{p.fail}</span> : 0}</td>
                          <td>{p.pass}</td>
                          <td>{p.error}</td>
                          <td>{p.none}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>

              <section aria-labelledby="h-images">
                <h2 id="h-images">Images{pipeline ? ` in ${pipeline}` : ''}</h2>
                <label class="inline">
                  Filter <input type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} placeholder="repository" />
                </label>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Image</th>
                      <th scope="col">Pipeline</th>
                      <th scope="col">Verdict</th>
                      <th scope="col">Violations</th>
                      <th scope="col">Findings</th>
                      <th scope="col">Scanned</th>
                    </tr>
                  </thead>
                  <tbody>
                    {images.map((i) => (
                      <tr>
                        <th scope="row">
                          <a href={href('/image', { repo: i.repository ?? undefined, digest: i.repository ? undefined : (i.digest ?? undefined), pipeline: i.pipeline })}>
                            {i.repository ?? shortDigest(i.digest)}
                            {i.tag ? `:${i.tag}` : ''}
                          </a>
                        </th>
                        <td>{i.pipeline}</td>
                        <td>
                          <Verdict v={i.verdict} />
                        </td>
                        <td>{i.violations}</td>
                        <td>{i.findings}</td>
                        <td>{time(i.uploadedAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>

              <div class="two">
                <section aria-labelledby="h-controls">
                  <h2 id="h-controls">Controls blocking most images</h2>
                  {x.controls.length === 0 ? (
                    <Empty>No image is blocked.</Empty>
                  ) : (
                    <ol class="bars">
                      {x.controls.map((c) => (
                        <li>
                          <code>{c.control}</code> <span class="muted">({c.policies.join(', ')})</span>
                          <span class="count">{c.images} {c.images === 1 ? 'image' : 'images'}</span>
                        </li>
                      ))}
                    </ol>
                  )}
                </section>
                <section aria-labelledby="h-vulns">
                  <h2 id="h-vulns">Vulnerabilities in most images</h2>
                  {x.vulnerabilities.length === 0 ? (
                    <Empty>No vulnerabilities found.</Empty>
                  ) : (
                    <ol class="bars">
                      {x.vulnerabilities.map((v) => (
                        <li>
                          <code>{v.id}</code> <Sev s={v.severity} /> {v.kev && <Kev />} {v.epss !== undefined && <span class="muted">EPSS {(v.epss * 100).toFixed(1)}%</span>}
                          <span class="muted"> {v.packages.join(', ')}</span>
                          <span class="count">{v.images} {v.images === 1 ? 'image' : 'images'}</span>
                        </li>
                      ))}
                    </ol>
                  )}
                </section>
              </div>

              <section aria-labelledby="h-expiring">
                <h2 id="h-expiring">Expiring this week</h2>
                {x.expiring.length === 0 ? (
                  <Empty>Nothing expires in the next 7 days.</Empty>
                ) : (
                  <ul>
                    {x.expiring.map((e) => (
                      <li>
                        <a href={href('/exceptions', { q: e.type === 'exception' ? e.id : e.subject })}>{e.type === 'exception' ? e.id : e.subject}</a> ({e.type}, {e.subject}) — {e.owner}, expires {day(e.expiresAt)} ({e.daysLeft} {e.daysLeft === 1 ? 'day' : 'days'})
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            </>
          );
        }}
      </Status>
    </>
  );
}
