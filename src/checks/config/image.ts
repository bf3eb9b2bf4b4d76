// Checks over the image config: user, healthcheck, ports, volumes, ENV and build-arg names, the base
// reference it declares, and every build step of its history. Pure: config in, findings out.
import type { ConfigFinding, ImageConfig, LayerInfo, LayerRef } from '../../core/types.js';
import { isRootUser } from '../../core/user.js';
import { imageRefOf as parseImageRef } from '../../source/ref.js';
import { commandText, configFinding } from './finding.js';
import { stepHits, stepKind } from './history.js';

const SENSITIVE_DIRS = ['/dev', '/proc', '/sys'];

/** Names that say the value is a credential: *_PASSWORD, *_TOKEN, *_SECRET, *_KEY, AWS_ACCESS_KEY_ID, ... */
const SECRET_NAME = /(?:^|_)(?:PASS(?:WORD|WD)?|SECRET|TOKEN|API_?KEY|ACCESS_?KEY(?:_ID)?|PRIVATE_?KEY|SECRET_?KEY|AUTH(?:_?TOKEN)?|CREDENTIALS?|KEY)(?:$|_)/i;
/** ...but not these: file or path pointers, public key ids, and names that only say where a key lives */
const NOT_SECRET_NAME = /(?:_FILE|_PATH|_DIR|_URL|_URI|_HOST|_PORT|_USER(?:NAME)?|_ID_FILE|_FINGERPRINT)$|^(?:GPG_KEYS?|GPG_KEY_ID|KEY_SERVER|PUBLIC_?KEY)$/i;

export function looksSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET_NAME.test(name);
}

/** A value that is a reference, not a secret: empty, a variable, a path to a mounted secret, a placeholder. */
function isReference(value: string): boolean {
  const v = value.trim();
  return v === '' || /^\$\{?[A-Za-z_]/.test(v) || /^\/(?:run|var\/run)\/secrets\//.test(v) || /^<[^>]*>$/.test(v) || /^(?:changeme|xxx+|\*+)$/i.test(v);
}

function envPairs(env: string[]): [string, string][] {
  return env.map((e) => {
    const i = e.indexOf('=');
    return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
  });
}

/** The layer each history step produced (empty-layer steps have none). */
export function layerOfStep(config: ImageConfig, layers: readonly LayerInfo[]): (LayerRef | undefined)[] {
  let i = 0;
  return config.history.map((h) => {
    if (h.emptyLayer) return undefined;
    const l = layers[i++];
    return l ? { index: l.index, diffId: l.diffId } : undefined;
  });
}

/** Build-arg names recorded before a RUN command: `|2 TOKEN=abc USER=x /bin/sh -c ...`. */
function buildArgNames(createdBy: string): string[] {
  const m = /^\|\d+\s+((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)+)/.exec(createdBy);
  if (!m) return [];
  return m[1]!
    .trim()
    .split(/\s+/)
    .filter((kv) => kv.indexOf('=') < kv.length - 1)
    .map((kv) => kv.slice(0, kv.indexOf('=')));
}

export function imageChecks(config: ImageConfig, layers: readonly LayerInfo[], annotations: Record<string, string>): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  if (!config.healthcheck || (config.healthcheck.test?.[0] ?? '').toUpperCase() === 'NONE' || !config.healthcheck.test?.length) {
    out.push(configFinding('CIS-DI-0006', { subject: 'Healthcheck', detail: config.healthcheck ? 'HEALTHCHECK NONE' : 'the image config has no HEALTHCHECK', evidence: { source: 'config', text: 'Healthcheck' } }));
  }
  for (const port of [...config.exposedPorts].sort()) {
    const n = Number(/^(\d+)/.exec(port)?.[1]);
    if (!Number.isInteger(n)) continue;
    if (n === 22) out.push(configFinding('PCL-NET-0001', { subject: port, detail: `EXPOSE ${port}`, evidence: { source: 'config', text: 'ExposedPorts' } }));
    else if (n > 0 && n < 1024) out.push(configFinding('PCL-NET-0003', { subject: port, detail: `EXPOSE ${port} (below 1024)`, evidence: { source: 'config', text: 'ExposedPorts' } }));
  }
  for (const v of [...(config.volumes ?? [])].sort()) {
    const norm = v.replace(/\/+$/, '') || '/';
    const hit = SENSITIVE_DIRS.find((d) => norm === d || norm.startsWith(`${d}/`));
    if (hit) out.push(configFinding('DKL-DI-0002', { subject: norm, detail: `VOLUME ${norm}`, evidence: { source: 'config', text: 'Volumes' } }));
  }
  for (const [name, value] of envPairs(config.env)) {
    if (!looksSecretName(name) || isReference(value)) continue;
    out.push(
      configFinding('CIS-DI-0010', {
        subject: `env:${name}`,
        detail: `ENV ${name} holds a value (${value.length} characters, not shown)`,
        evidence: { source: 'config', text: `Env ${name}` },
        remediation: `remove ENV ${name}; pass it at run time (a mounted secret or the orchestrator's secret store)`,
      }),
    );
  }
  const stepLayers = layerOfStep(config, layers);
  config.history.forEach((h, step) => {
    const createdBy = h.createdBy ?? '';
    if (createdBy === '') return;
    const layer = stepLayers[step];
    for (const name of buildArgNames(createdBy)) {
      if (!looksSecretName(name)) continue;
      out.push(
        configFinding('CIS-DI-0010', {
          subject: `arg:${name}`,
          detail: `build argument ${name} is recorded in the image history (value not shown)`,
          evidence: { source: 'history', text: `ARG ${name}`, line: step },
          layer,
          remediation: `use RUN --mount=type=secret,id=${name.toLowerCase()} instead of ARG ${name}`,
        }),
      );
    }
    const { kind, cmd } = stepKind(createdBy);
    for (const hit of stepHits(cmd, kind, { dockerfile: false })) {
      const text = commandText(createdBy);
      out.push(configFinding(hit.check, { subject: `history:${hit.check}:${text}`, detail: hit.detail, evidence: { source: 'history', text, line: step }, layer }));
    }
  });
  const base = annotations['org.opencontainers.image.base.name'] ?? config.labels['org.opencontainers.image.base.name'];
  if (base) {
    const r = parseImageRef(base);
    if (r && r.digest === undefined && (r.tag === undefined || r.tag === 'latest')) {
      out.push(
        configFinding('DKL-DI-0006', {
          subject: `base:${base}`,
          detail: `the image declares its base as ${base}`,
          evidence: { source: 'config', text: 'org.opencontainers.image.base.name' },
        }),
      );
    }
  }
  return out;
}

/** CIS-DI-0001 and PCL-USER-001 need /etc/passwd: the user, resolved. */
export function userChecks(config: ImageConfig, passwd: Map<string, number> | undefined): ConfigFinding[] {
  const user = (config.user ?? '').trim();
  const name = user.split(':')[0]!;
  const shown = user === '' ? 'not set' : `"${user}"`;
  if (isRootUser(user)) {
    return [configFinding('CIS-DI-0001', { subject: 'User', detail: `USER is ${shown}: the container runs as root`, evidence: { source: 'config', text: 'User' } })];
  }
  if (/^\d+$/.test(name)) return [];
  const uid = passwd?.get(name);
  if (uid === 0) {
    return [configFinding('CIS-DI-0001', { subject: 'User', detail: `USER ${name} has UID 0 in /etc/passwd`, evidence: { source: 'file', text: '/etc/passwd' }, path: '/etc/passwd' })];
  }
  if (uid === undefined) {
    const why = passwd ? '/etc/passwd has no such user' : 'the image has no /etc/passwd';
    return [configFinding('PCL-USER-001', { subject: `User:${name}`, detail: `USER ${name}: ${why}`, evidence: { source: 'config', text: 'User' } })];
  }
  return [];
}
