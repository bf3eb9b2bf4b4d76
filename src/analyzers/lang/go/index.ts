// Go analyzers: build info of compiled binaries (ELF, PE, Mach-O) and go.mod files.
import { buildPurl } from '../../../core/purl.js';
import { failed, partial } from '../../status.js';
import type { Analyzer, AnalyzerContext, EntryInfo, Fact, FileInput, Package } from '../../../core/types.js';
import { detectFormat, isCandidateExecutable, MAX_BINARY_BYTES } from '../binfmt/index.js';
import { firstPerPurlFacts } from '../common.js';
import { readGoBuildInfo } from './buildinfo.js';
import { findReplace, isLocalPath, parseGoMod } from './gomod.js';
import { parseModInfo, versionFromLdflags } from './modinfo.js';

export const GO_BINARY_ANALYZER = 'go-binary';
export const GO_MOD_ANALYZER = 'go-mod';

const MAX_GOMOD_BYTES = 4 * 1024 * 1024;

/** Package URL for a Go module: namespace is the module path without its last element. */
export function golangPurl(path: string, version: string): string {
  const slash = path.lastIndexOf('/');
  return buildPurl({
    type: 'golang',
    namespace: slash > 0 ? path.slice(0, slash) : undefined,
    name: slash > 0 ? path.slice(slash + 1) : path,
    version,
  });
}

function goPackage(
  name: string,
  version: string,
  file: FileInput,
  foundBy: string,
  confidence: Package['confidence'],
  metadata: Record<string, string>,
): Package {
  return {
    name,
    version,
    type: 'golang',
    purl: golangPurl(name, version),
    licenses: [],
    locations: [{ path: file.path, layer: file.layer }],
    foundBy,
    confidence,
    metadata,
  };
}

/** `go1.22.1 X:boringcrypto` → `go1.22.1`; `devel go1.23-abc Tue …` stays whole (not a release). */
export function stdlibVersion(goVersion: string): string {
  const t = goVersion.trim();
  if (t.startsWith('devel')) return t;
  return t.split(/\s+/)[0] ?? t;
}

async function analyzeBinary(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
  if (!detectFormat(file.content)) return [];
  const res = readGoBuildInfo(file.content);
  if (res.kind === 'absent') {
    // a packed executable hides whatever it embeds: say so rather than report it as "no Go inside"
    if (isUpxPacked(file.content)) failed(ctx, `${file.path}: executable is packed with UPX; embedded Go build info (if any) cannot be read`);
    return [];
  }
  if (res.kind === 'error') {
    failed(ctx, `${file.path}: ${res.error}`);
    return [];
  }
  const { goVersion, modInfo } = res.info;
  const mi = parseModInfo(modInfo);
  if (mi.bad.length) partial(ctx, `${file.path}: ${mi.bad.length} unparsable build info line(s), first: ${JSON.stringify(mi.bad[0]?.slice(0, 120))}`);
  const build = new Map(mi.build);
  const common: Record<string, string> = { goVersion };
  if (mi.path) common.mainPath = mi.path;
  if (mi.main) common.mainModule = mi.main.path;
  const pkgs: Package[] = [];

  if (mi.main) {
    const main = mi.main.replace && mi.main.replace.version ? mi.main.replace : mi.main;
    if (main.version && main.version !== '(devel)') {
      pkgs.push(goPackage(main.path, main.version, file, GO_BINARY_ANALYZER, 'high', { ...common, role: 'main' }));
    } else {
      const ld = build.get('-ldflags');
      const guess = ld ? versionFromLdflags(ld) : undefined;
      if (guess) {
        pkgs.push(
          goPackage(main.path, guess.version, file, GO_BINARY_ANALYZER, 'medium', {
            ...common,
            role: 'main',
            versionSource: `ldflags -X ${guess.key}`,
          }),
        );
      } else {
        common.mainModuleVersion = main.version || '(none)';
        common.mainModuleNote = 'main module version is (devel): not reported as a package';
      }
    }
  } else if (mi.path) {
    common.mainModuleNote = 'built without module information (GOPATH mode or a standard-library command)';
    // A standard-library command (`cmd/pack`) has nothing but stdlib; anything else built in GOPATH mode
    // may have compiled in third-party code whose versions the binary does not record.
    const first = mi.path.split('/')[0] ?? '';
    if (first.includes('.')) {
      ctx.warn(`${file.path}: ${mi.path} was built without Go module information; its dependencies and their versions cannot be listed (only stdlib is reported)`);
    }
  }

  for (const d of mi.deps) {
    if (d.replace) {
      if (!d.replace.version) {
        ctx.warn(`${file.path}: ${d.path}@${d.version} is replaced by the local directory ${d.replace.path}; its version cannot be known`);
        continue;
      }
      pkgs.push(
        goPackage(d.replace.path, d.replace.version, file, GO_BINARY_ANALYZER, 'high', {
          ...common,
          role: 'dep',
          replaces: `${d.path}@${d.version}`,
        }),
      );
    } else {
      pkgs.push(goPackage(d.path, d.version, file, GO_BINARY_ANALYZER, 'high', { ...common, role: 'dep' }));
    }
  }

  pkgs.push(goPackage('stdlib', stdlibVersion(goVersion), file, GO_BINARY_ANALYZER, 'high', { ...common, role: 'stdlib' }));
  return firstPerPurlFacts(pkgs);
}

const UPX = Buffer.from('UPX!', 'latin1');

/** UPX writes its `UPX!` header into the first page of a packed executable. */
export function isUpxPacked(buf: Buffer): boolean {
  const at = buf.subarray(0, 4096).indexOf(UPX);
  return at >= 0;
}

export const goBinaryAnalyzer: Analyzer = {
  name: GO_BINARY_ANALYZER,
  version: 1,
  maxFileBytes: MAX_BINARY_BYTES,
  required: isCandidateExecutable,
  analyze: analyzeBinary,
};

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

async function analyzeGoMod(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
  if (file.content.includes(0)) {
    failed(ctx, `${file.path}: binary content, not a go.mod file`);
    return [];
  }
  const gm = parseGoMod(file.content.toString('utf8'));
  if (gm.bad.length) partial(ctx, `${file.path}: ${gm.bad.length} unparsable line(s), first at line ${gm.bad[0]?.line}`);
  const common: Record<string, string> = {};
  if (gm.module) common.mainModule = gm.module;
  if (gm.go) common.goDirective = gm.go;
  if (gm.toolchain) common.toolchain = gm.toolchain;
  const pkgs: Package[] = [];
  for (const r of gm.requires) {
    const meta: Record<string, string> = { ...common, indirect: String(r.indirect) };
    const rep = findReplace(gm.replaces, r.path, r.version);
    let name = r.path;
    let version = r.version;
    if (rep) {
      if (isLocalPath(rep.newPath) || !rep.newVersion) {
        ctx.warn(`${file.path}:${rep.line}: ${r.path}@${r.version} is replaced by the local directory ${rep.newPath}; its version cannot be known`);
        continue;
      }
      meta.replaces = `${r.path}@${r.version}`;
      name = rep.newPath;
      version = rep.newVersion;
    }
    pkgs.push(goPackage(name, version, file, GO_MOD_ANALYZER, 'medium', meta));
  }
  return firstPerPurlFacts(pkgs);
}

export const goModAnalyzer: Analyzer = {
  name: GO_MOD_ANALYZER,
  version: 1,
  maxFileBytes: MAX_GOMOD_BYTES,
  required(path: string, entry: EntryInfo): boolean {
    if (entry.type !== 'file' || basename(path) !== 'go.mod') return false; // by path only: the walker enforces maxFileBytes
    // go.mod files of downloaded dependencies (module cache), vendored copies and test fixtures
    // (the go command ignores testdata directories) describe other builds
    return !/\/(pkg\/mod|vendor|testdata)\//.test(path);
  },
  analyze: analyzeGoMod,
};
