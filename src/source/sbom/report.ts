// `scan --sbom REPORT.json`: our own JSON report (docs/report-json.md) read back as an inventory, losslessly:
// the image summary (name, tags, platform, config, layers), the OS, every package with all its fields, the
// analyzer statuses and the coverage gaps found while reading. Findings and the decision are not read:
// the scan recomputes them from the DB and the policy. A saved report may be old, hand-edited or hostile,
// so every field is type-checked and the first problems are named by JSON path.
import type { Inventory } from '../../core/report.js';
import type { AnalyzerStatus, Finding, ImageConfig, LayerInfo, OsInfo, Package } from '../../core/types.js';
import { GAP_REASONS, SEVERITY_ORDER } from '../../core/types.js';
import { PortcullisError } from '../../core/errors.js';
import { parsePurl } from '../../core/purl.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= -1;

const TYPES: ReadonlySet<string> = new Set(['deb', 'apk', 'rpm', 'npm', 'pypi', 'golang', 'maven', 'gem', 'cargo', 'composer', 'nuget']);
const MAX_PROBLEMS = 5;

/** True when the document looks like a Portcullis JSON report (rather than an SBOM). */
export function isPortcullisReport(d: Obj): boolean {
  return isStr(d.schemaVersion) && isObj(d.scanner) && isObj(d.inventory);
}

class Problems {
  readonly list: string[] = [];
  add(at: string, what: string): void {
    this.list.push(`${at}: ${what}`);
  }
  str(o: Obj, k: string, at: string, optional = false): void {
    if (optional && o[k] === undefined) return;
    if (!isStr(o[k])) this.add(`${at}.${k}`, 'expected a string');
  }
  strList(o: Obj, k: string, at: string, optional = false): void {
    if (optional && o[k] === undefined) return;
    if (!isStrList(o[k])) this.add(`${at}.${k}`, 'expected a list of strings');
  }
}

function checkLayerRef(v: unknown, at: string, p: Problems): void {
  if (!isObj(v) || !isIndex(v.index) || !isStr(v.diffId)) p.add(at, 'expected a layer {index, diffId}');
}

function checkPackage(v: unknown, at: string, p: Problems): void {
  if (!isObj(v)) return p.add(at, 'expected a package object');
  for (const k of ['name', 'version', 'purl', 'foundBy']) p.str(v, k, at);
  if (!isStr(v.type) || !TYPES.has(v.type)) p.add(`${at}.type`, `expected one of ${[...TYPES].join('|')}`);
  if (isStr(v.purl)) {
    try {
      parsePurl(v.purl);
    } catch {
      p.add(`${at}.purl`, `not a valid purl: ${v.purl.slice(0, 120)}`);
    }
  }
  p.strList(v, 'licenses', at);
  if (!Array.isArray(v.locations)) p.add(`${at}.locations`, 'expected a list');
  else v.locations.forEach((l, i) => (isObj(l) && isStr(l.path) ? checkLayerRef(l.layer, `${at}.locations[${i}].layer`, p) : p.add(`${at}.locations[${i}]`, 'expected {path, layer}')));
  if (v.layer !== undefined) checkLayerRef(v.layer, `${at}.layer`, p);
  for (const k of ['arch', 'modularityLabel']) p.str(v, k, at, true);
  if (v.confidence !== undefined && !['high', 'medium', 'low'].includes(v.confidence as string)) p.add(`${at}.confidence`, 'expected high|medium|low');
  if (v.epoch !== undefined && !(typeof v.epoch === 'number' && Number.isInteger(v.epoch) && v.epoch >= 0)) p.add(`${at}.epoch`, 'expected a non-negative integer');
  if (v.dev !== undefined && typeof v.dev !== 'boolean') p.add(`${at}.dev`, 'expected true or false');
  p.strList(v, 'files', at, true);
  if (v.source !== undefined && !(isObj(v.source) && isStr(v.source.name) && isStr(v.source.version))) p.add(`${at}.source`, 'expected {name, version}');
  if (v.ownedBy !== undefined && !(isObj(v.ownedBy) && isStr(v.ownedBy.name) && isStr(v.ownedBy.purl))) p.add(`${at}.ownedBy`, 'expected {name, purl}');
  if (v.distro !== undefined && !(isObj(v.distro) && isStr(v.distro.id))) p.add(`${at}.distro`, 'expected {id, versionId?}');
  if (v.metadata !== undefined && !(isObj(v.metadata) && Object.values(v.metadata).every(isStr))) p.add(`${at}.metadata`, 'expected string values');
}

function checkImage(v: unknown, at: string, p: Problems): void {
  if (!isObj(v)) return p.add(at, 'expected an object');
  p.str(v, 'name', at);
  p.strList(v, 'repoTags', at);
  p.str(v, 'manifestDigest', at, true);
  p.str(v, 'configDigest', at, true);
  if (!isObj(v.ref) || !isStr(v.ref.input)) p.add(`${at}.ref`, 'expected {input, transport}');
  if (!isObj(v.platform) || !isStr(v.platform.os) || !isStr(v.platform.architecture)) p.add(`${at}.platform`, 'expected {os, architecture}');
  const c = v.config;
  if (!isObj(c)) p.add(`${at}.config`, 'expected an object');
  else {
    for (const k of ['env', 'exposedPorts', 'diffIds']) p.strList(c, k, `${at}.config`);
    if (!isObj(c.labels) || !Object.values(c.labels).every(isStr)) p.add(`${at}.config.labels`, 'expected string values');
    if (!Array.isArray(c.history)) p.add(`${at}.config.history`, 'expected a list');
    p.str(c, 'user', `${at}.config`, true);
  }
  if (!Array.isArray(v.layers) || !v.layers.every((l) => isObj(l) && isIndex(l.index) && isStr(l.diffId))) p.add(`${at}.layers`, 'expected a list of {index, diffId}');
  if (v.annotations !== undefined && !(isObj(v.annotations) && Object.values(v.annotations).every(isStr))) p.add(`${at}.annotations`, 'expected string values');
}

function checkGap(v: unknown, at: string, p: Problems): void {
  if (!isObj(v) || v.kind !== 'coverage-gap') return p.add(at, 'expected a coverage-gap finding');
  for (const k of ['id', 'title', 'subject', 'detail']) p.str(v, k, at);
  if (!(GAP_REASONS as readonly unknown[]).includes(v.reason)) p.add(`${at}.reason`, `expected one of ${GAP_REASONS.join('|')}`);
  if (!(SEVERITY_ORDER as readonly unknown[]).includes(v.severity)) p.add(`${at}.severity`, `expected one of ${SEVERITY_ORDER.join('|')}`);
}

function checkAnalyzer(v: unknown, at: string, p: Problems): void {
  if (!isObj(v) || !isStr(v.analyzer) || typeof v.files !== 'number') return p.add(at, 'expected {analyzer, files, warnings}');
  p.strList(v, 'warnings', at);
  if (v.state !== undefined && !['complete', 'partial', 'failed'].includes(v.state as string)) p.add(`${at}.state`, 'expected complete|partial|failed');
  p.strList(v, 'reasons', at, true);
}

/** The inventory of a Portcullis JSON report, checked field by field; throws BAD_INPUT naming the file and the paths. */
export function inventoryFromReport(d: Obj, file: string): Inventory {
  const p = new Problems();
  const inv = d.inventory as Obj;
  if (d.schemaVersion !== '1') p.add('schemaVersion', `report schema ${JSON.stringify(d.schemaVersion).slice(0, 20)} is not supported (expected "1")`);
  checkImage(inv.image, 'inventory.image', p);
  if (inv.os !== undefined && !(isObj(inv.os) && isStr(inv.os.family) && isStr(inv.os.name) && isStr(inv.os.source))) p.add('inventory.os', 'expected {family, name, source}');
  if (!Array.isArray(inv.packages)) p.add('inventory.packages', 'expected a list');
  else for (let i = 0; i < inv.packages.length && p.list.length < MAX_PROBLEMS; i++) checkPackage(inv.packages[i], `inventory.packages[${i}]`, p);
  if (inv.gaps !== undefined && !Array.isArray(inv.gaps)) p.add('inventory.gaps', 'expected a list');
  else ((inv.gaps as unknown[]) ?? []).forEach((g, i) => checkGap(g, `inventory.gaps[${i}]`, p));
  if (inv.analyzers !== undefined && !Array.isArray(inv.analyzers)) p.add('inventory.analyzers', 'expected a list');
  else ((inv.analyzers as unknown[]) ?? []).forEach((a, i) => checkAnalyzer(a, `inventory.analyzers[${i}]`, p));
  if (p.list.length) {
    const more = p.list.length > MAX_PROBLEMS ? ` (and ${p.list.length - MAX_PROBLEMS} more)` : '';
    throw new PortcullisError('BAD_INPUT', `${file}: not a valid Portcullis report: ${p.list.slice(0, MAX_PROBLEMS).join('; ')}${more}`);
  }
  const image = inv.image as Obj;
  const ref = image.ref as Obj;
  const config = image.config as ImageConfig;
  return {
    image: {
      // names come from the pipeline that scanned the image; the transport says where this inventory came from
      ref: { input: ref.input as string, transport: 'sbom', path: file, name: isStr(ref.name) ? ref.name : undefined, tag: isStr(ref.tag) ? ref.tag : undefined },
      name: image.name as string,
      repoTags: image.repoTags as string[],
      manifestDigest: image.manifestDigest as string | undefined,
      configDigest: image.configDigest as string | undefined,
      platform: image.platform as Inventory['image']['platform'],
      config,
      layers: image.layers as LayerInfo[],
      annotations: (image.annotations as Record<string, string> | undefined) ?? {},
    },
    os: inv.os as OsInfo | undefined,
    packages: inv.packages as Package[],
    analyzers: (inv.analyzers as AnalyzerStatus[] | undefined) ?? [],
    gaps: (inv.gaps as Finding[] | undefined) ?? [],
  };
}
