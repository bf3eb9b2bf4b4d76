// Maven coordinates from the three kinds of evidence a Java archive carries, strongest first:
// pom.properties (written by Maven), MANIFEST.MF (written by many tools), the file name (a guess).

export interface Coords {
  groupId?: string;
  artifactId: string;
  version: string;
  evidence: 'pom.properties' | 'MANIFEST.MF' | 'file name';
  /** entry path of the pom.properties, for the first kind */
  source?: string;
  /** a pom.properties outside META-INF/maven/<g>/<a>/ */
  nonStandard?: boolean;
}

const ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const VERSION = /^[0-9A-Za-z][0-9A-Za-z_.\-+]*$/;

export const isId = (s: string | undefined): s is string => s !== undefined && s.length <= 256 && ID.test(s);
const isVersion = (s: string | undefined): s is string => s !== undefined && s.length <= 128 && VERSION.test(s) && /\d/.test(s);

/**
 * A pom.properties entry. Maven writes `META-INF/maven/<groupId>/<artifactId>/pom.properties` (the path
 * then also supplies missing fields); copies elsewhere (shading tools, hand-made jars) are accepted when
 * they name all three fields themselves, and are marked `nonStandard`.
 */
export function pomPropertiesPath(name: string): { groupId?: string; artifactId?: string; standard: boolean } | undefined {
  const m = /^META-INF\/maven\/([^/]+)\/([^/]+)\/pom\.properties$/.exec(name);
  if (m) return { groupId: m[1] as string, artifactId: m[2] as string, standard: true };
  return name === 'pom.properties' || name.endsWith('/pom.properties') ? { standard: false } : undefined;
}

export function fromPomProperties(
  props: Map<string, string>,
  path: { groupId?: string; artifactId?: string; standard: boolean },
  source: string,
): Coords | undefined {
  const groupId = props.get('groupId') || path.groupId;
  const artifactId = props.get('artifactId') || path.artifactId;
  const version = props.get('version');
  if (!isId(groupId) || !isId(artifactId) || !isVersion(version)) return undefined;
  const c: Coords = { groupId, artifactId, version, evidence: 'pom.properties', source };
  if (!path.standard) c.nonStandard = true;
  return c;
}

/** `log4j-core-2.14.1.jar` → log4j-core / 2.14.1: the version starts at the first `-<digits>.<digits>`. */
export function fromFileName(base: string): Coords | undefined {
  const stem = base.replace(/\.(jar|war|ear|jpi|hpi|par)$/i, '');
  const m = /^(.+?)-(\d+\.\d+[0-9A-Za-z_.\-+]*)$/.exec(stem);
  if (!m || !isId(m[1]) || !isVersion(m[2])) return undefined;
  return { artifactId: m[1] as string, version: m[2] as string, evidence: 'file name' };
}

function bundleName(mf: Map<string, string>): string | undefined {
  const b = mf.get('bundle-symbolicname')?.split(';')[0]?.trim();
  return isId(b) ? b : undefined;
}

/**
 * Coordinates from the main manifest section.
 * version: Jenkins Plugin-Version, Implementation-Version, Bundle-Version, Specification-Version.
 * artifactId (first id-like value): Jenkins Short-Name, Implementation-Title, the artifact of a versioned
 *   file name, Bundle-Name, Specification-Title, Bundle-SymbolicName (OSGi/Eclipse: artifactId = BSN).
 * groupId: the explicit Jenkins Group-Id (with Short-Name) or Implementation-Vendor-Id (with an id-like
 *   Implementation-Title, as maven-archiver writes them together) — never guessed from vendor or symbolic
 *   names, and not combined with an artifactId from elsewhere (`Implementation-Vendor-Id: com.sun` on
 *   activation-1.1.1.jar is not its groupId). A wrong groupId would make a vulnerable jar look clean;
 *   an unknown one is visible (`groupIdUnknown`).
 */
export function fromManifest(mf: Map<string, string>, fileName: Coords | undefined): Coords | undefined {
  const version = [mf.get('plugin-version'), mf.get('implementation-version'), mf.get('bundle-version'), mf.get('specification-version')].find(isVersion);
  if (!version) return undefined;
  const candidates: [string | undefined, string | undefined][] = [
    [mf.get('short-name'), mf.get('group-id')],
    [mf.get('implementation-title'), mf.get('implementation-vendor-id')],
    [fileName?.artifactId, undefined],
    [mf.get('bundle-name'), undefined],
    [mf.get('specification-title'), undefined],
    [bundleName(mf), undefined],
  ];
  const hit = candidates.find(([a]) => isId(a));
  if (!hit) return undefined;
  const [artifactId, group] = hit as [string, string | undefined];
  return { groupId: isId(group) ? group : undefined, artifactId, version, evidence: 'MANIFEST.MF' };
}

/** Does this pom.properties describe the archive itself (rather than a shaded dependency)? */
export function describesArchive(pom: Coords, fileName: Coords | undefined, stem: string, manifest: Coords | undefined): boolean {
  const a = pom.artifactId.toLowerCase();
  const names = [fileName?.artifactId, stem].filter((s): s is string => !!s).map((s) => s.toLowerCase());
  if (names.some((n) => n === a || n.endsWith('.' + a) || n.endsWith('-' + a) || n === `${pom.groupId}.${pom.artifactId}`.toLowerCase())) return true;
  if (manifest && (manifest.artifactId.toLowerCase() === a || (manifest.version === pom.version && manifest.groupId === pom.groupId))) return true;
  return false;
}
