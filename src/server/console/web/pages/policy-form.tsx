// A policy's common settings as a form: scope, enforcement, and the vulnerability, secret, malware,
// user and base-image controls. Controls the form does not show are kept as they are. Saving sends the
// document to the server, which validates it with the CLI's schema before storing a new revision (and
// refuses it, saying why, otherwise). The stored file is rewritten from the document: YAML comments
// survive only edits made in the YAML view.
import { useState } from 'preact/hooks';
import { api } from '../api.js';

export interface PolicyDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; description?: string };
  spec: { appliesTo?: { pipelines?: string[]; images?: string[] }; enforcement?: string; controls?: Record<string, Record<string, unknown> | undefined> };
}

const THRESHOLDS = ['', 'any', 'negligible', 'low', 'medium', 'high', 'critical', 'none'];
const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const text = (v: unknown) => (Array.isArray(v) ? v.join(', ') : '');

interface FormState {
  description: string;
  pipelines: string;
  images: string;
  enforcement: string;
  failOn: string;
  maxCvss: string;
  ignoreUnfixed: boolean;
  knownExploited: string;
  deny: string;
  secrets: string;
  malware: string;
  forbidRoot: boolean;
  approved: string;
  unknownBase: string;
}

function toForm(p: PolicyDoc): FormState {
  const c = p.spec.controls ?? {};
  const v = c.vulnerabilities ?? {};
  return {
    description: p.metadata.description ?? '',
    pipelines: text(p.spec.appliesTo?.pipelines),
    images: text(p.spec.appliesTo?.images),
    enforcement: p.spec.enforcement ?? 'block',
    failOn: (v.failOn as string | undefined) ?? '',
    maxCvss: v.maxCvss === undefined ? '' : String(v.maxCvss),
    ignoreUnfixed: v.ignoreUnfixed === true,
    knownExploited: (v.knownExploited as string | undefined) ?? '',
    deny: text(v.deny),
    secrets: (c.secrets?.failOn as string | undefined) ?? '',
    malware: (c.malware?.failOn as string | undefined) ?? '',
    forbidRoot: c.user?.forbidRoot === true,
    approved: text(c.baseImage?.approved),
    unknownBase: (c.baseImage?.unknown as string | undefined) ?? '',
  };
}

/** Set or remove one key; drop a control left empty. */
function put(o: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0) || value === false) delete o[key];
  else o[key] = value;
}

export function fromForm(p: PolicyDoc, f: FormState): PolicyDoc {
  const doc = structuredClone(p);
  put(doc.metadata as Record<string, unknown>, 'description', f.description.trim());
  const appliesTo: Record<string, unknown> = { ...(doc.spec.appliesTo ?? {}) };
  put(appliesTo, 'pipelines', list(f.pipelines));
  put(appliesTo, 'images', list(f.images));
  if (Object.keys(appliesTo).length) doc.spec.appliesTo = appliesTo;
  else delete doc.spec.appliesTo;
  doc.spec.enforcement = f.enforcement;
  const c = (doc.spec.controls ??= {});
  const control = (name: string, set: (o: Record<string, unknown>) => void) => {
    const o: Record<string, unknown> = { ...(c[name] ?? {}) };
    set(o);
    if (Object.keys(o).length) c[name] = o;
    else delete c[name];
  };
  control('vulnerabilities', (o) => {
    put(o, 'failOn', f.failOn);
    put(o, 'maxCvss', f.maxCvss.trim() === '' ? undefined : Number(f.maxCvss));
    put(o, 'ignoreUnfixed', f.ignoreUnfixed);
    put(o, 'knownExploited', f.knownExploited);
    put(o, 'deny', list(f.deny));
  });
  control('secrets', (o) => put(o, 'failOn', f.secrets));
  control('malware', (o) => put(o, 'failOn', f.malware));
  control('user', (o) => put(o, 'forbidRoot', f.forbidRoot));
  control('baseImage', (o) => {
    put(o, 'approved', list(f.approved));
    put(o, 'unknown', f.unknownBase);
  });
  return doc;
}

function Select({ id, label, value, options, onChange }: { id: string; label: string; value: string; options: string[]; onChange: (v: string) => void }) {
  return (
    <>
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map((o) => (
          <option value={o}>{o || 'not set'}</option>
        ))}
      </select>
    </>
  );
}

export function PolicyForm({ policy, onSaved }: { policy: PolicyDoc; onSaved: (revision: number) => void }) {
  const [f, setF] = useState(() => toForm(policy));
  const [msg, setMsg] = useState<{ ok: boolean; text: string }>();
  const n = policy.metadata.name;
  const set = <K extends keyof FormState>(k: K) => (v: FormState[K]) => setF({ ...f, [k]: v });
  const input = (k: 'description' | 'pipelines' | 'images' | 'maxCvss' | 'deny' | 'approved', label: string) => (
    <>
      <label for={`pf-${n}-${k}`}>{label}</label>
      <input id={`pf-${n}-${k}`} value={f[k]} onInput={(e) => set(k)(e.currentTarget.value)} />
    </>
  );
  const save = async (e: Event) => {
    e.preventDefault();
    try {
      const r = await api<{ revision: number; changed: boolean }>('PUT', `/policies/${encodeURIComponent(n)}`, fromForm(policy, f));
      setMsg({ ok: true, text: r.changed ? `saved as revision ${r.revision}` : 'unchanged' });
      if (r.changed) onSaved(r.revision);
    } catch (err) {
      setMsg({ ok: false, text: (err as Error).message });
    }
  };
  return (
    <form class="form policy-form" onSubmit={save} aria-label={`Edit policy ${n}`}>
      {input('description', 'Description')}
      {input('pipelines', 'Pipelines (comma-separated globs; empty: all)')}
      {input('images', 'Images (comma-separated globs; empty: all)')}
      <Select id={`pf-${n}-enforcement`} label="Enforcement" value={f.enforcement} options={['block', 'audit']} onChange={set('enforcement')} />
      <fieldset>
        <legend>Vulnerabilities</legend>
        <Select id={`pf-${n}-failOn`} label="Fail on severity" value={f.failOn} options={THRESHOLDS} onChange={set('failOn')} />
        {input('maxCvss', 'Fail above CVSS score')}
        <label>
          <input type="checkbox" checked={f.ignoreUnfixed} onChange={(e) => set('ignoreUnfixed')(e.currentTarget.checked)} /> Ignore vulnerabilities without a fix
        </label>
        <Select id={`pf-${n}-kev`} label="Known exploited (KEV)" value={f.knownExploited} options={['', 'fail', 'warn', 'ignore']} onChange={set('knownExploited')} />
        {input('deny', 'Always fail on (advisory ids, comma-separated)')}
      </fieldset>
      <fieldset>
        <legend>Secrets, malware, user</legend>
        <Select id={`pf-${n}-secrets`} label="Secrets: fail on" value={f.secrets} options={THRESHOLDS} onChange={set('secrets')} />
        <Select id={`pf-${n}-malware`} label="Malware: fail on" value={f.malware} options={THRESHOLDS} onChange={set('malware')} />
        <label>
          <input type="checkbox" checked={f.forbidRoot} onChange={(e) => set('forbidRoot')(e.currentTarget.checked)} /> Forbid running as root
        </label>
      </fieldset>
      <fieldset>
        <legend>Base image</legend>
        {input('approved', 'Approved bases (comma-separated globs)')}
        <Select id={`pf-${n}-unknown`} label="Unknown base" value={f.unknownBase} options={['', 'fail', 'warn', 'pass']} onChange={set('unknownBase')} />
      </fieldset>
      <div class="buttons">
        <button type="submit" class="primary">
          Save policy
        </button>
      </div>
      {msg && (
        <p class={msg.ok ? 'ok' : 'error'} role={msg.ok ? 'status' : 'alert'}>
          {msg.text}
        </p>
      )}
    </form>
  );
}
