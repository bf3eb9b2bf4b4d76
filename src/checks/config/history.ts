// Checks over build steps: the image's history (`created_by`) and, with --dockerfile, its RUN/ADD lines.
// Both are command text, so the same rules serve both; a rule sees one step at a time.

export interface StepHit {
  check: string;
  detail: string;
}

const SHELL_SPLIT = /&&|\|\||;|\n/;

/** `apt-get update` (or `apt update`) without an install in the same step. */
function aptUpdateAlone(cmd: string): boolean {
  if (!/\bapt(?:-get)?\s+(?:-\S+\s+)*update\b/.test(cmd)) return false;
  return !/\bapt(?:-get)?\s+(?:-\S+\s+)*(?:install|upgrade|dist-upgrade|full-upgrade|build-dep)\b/.test(cmd);
}

const UPGRADE = [
  /\bapt(?:-get)?\s+(?:-\S+\s+)*(?:dist-upgrade|full-upgrade|upgrade)\b/,
  /\bapk\s+(?:-\S+\s+)*upgrade\b/,
  /\b(?:dnf|yum|microdnf)\s+(?:-\S+\s+)*(?:upgrade|distro-sync)\b/,
];

const PIPE_TO_SHELL = /\b(?:curl|wget)\b[^|;&]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:\/(?:usr\/)?bin\/)?(?:ba|z|da|k)?sh\b/;

/** The rules every build step is judged by; `dockerfile` adds the ones only a Dockerfile shows reliably. */
export function stepHits(cmd: string, kind: 'RUN' | 'ADD' | 'other', opts: { dockerfile: boolean }): StepHit[] {
  const out: StepHit[] = [];
  if (kind === 'RUN') {
    if (aptUpdateAlone(cmd)) out.push({ check: 'CIS-DI-0007', detail: 'apt-get update runs without an install in the same step' });
    const up = UPGRADE.find((re) => re.test(cmd));
    if (up) out.push({ check: 'DKL-DI-0003', detail: `the step upgrades the distribution's packages (${up.exec(cmd)![0]})` });
    if (cmd.split(SHELL_SPLIT).some((part) => /^\s*(?:\S+=\S*\s+)*sudo\s/.test(part))) out.push({ check: 'DKL-DI-0001', detail: 'the step runs sudo' });
    if (/\bapk\s+(?:-\S+\s+)*add\b/.test(cmd) && !/--no-cache\b/.test(cmd)) out.push({ check: 'DKL-DI-0004', detail: 'apk add without --no-cache' });
    if (PIPE_TO_SHELL.test(cmd)) out.push({ check: 'PCL-DF-0003', detail: 'a download is piped into a shell' });
    if (opts.dockerfile && /\bapt-get\s+(?:-\S+\s+)*install\b/.test(cmd) && !/--no-install-recommends\b/.test(cmd)) {
      out.push({ check: 'PCL-DF-0002', detail: 'apt-get install without --no-install-recommends' });
    }
  }
  if (kind === 'ADD') {
    const srcs = addSources(cmd);
    if (srcs.some((s) => /^https?:\/\//i.test(s))) out.push({ check: 'CIS-DI-0009', detail: 'ADD fetches a remote URL without verifying it' });
    else if (opts.dockerfile) {
      const archive = srcs.find((s) => /\.(?:tar|tar\.\w+|tgz|tbz2?|txz)$/i.test(s));
      out.push({ check: 'CIS-DI-0009', detail: archive ? `ADD unpacks ${archive} implicitly` : 'ADD copies local files: COPY does the same without surprises' });
    }
  }
  return out;
}

/** The source arguments of `ADD [--flags] SRC... DST` (JSON or plain form). */
function addSources(args: string): string[] {
  const rest = args.replace(/^ADD\s+/i, '').trim();
  let toks: string[];
  if (rest.startsWith('[')) {
    try {
      const parsed = JSON.parse(rest) as unknown;
      toks = Array.isArray(parsed) ? parsed.map(String) : [];
    } catch {
      toks = rest.split(/\s+/);
    }
  } else toks = rest.split(/\s+/).filter((t) => !t.startsWith('--'));
  return toks.slice(0, -1);
}

/** The kind of a history step: docker/buildah write `#(nop) ADD ...`/`ADD ...` for ADD, the shell command for RUN. */
export function stepKind(createdBy: string): { kind: 'RUN' | 'ADD' | 'other'; cmd: string } {
  const raw = createdBy.trim();
  const nop = /^\/bin\/(?:ba)?sh -c #\(nop\)\s*(.*)$/s.exec(raw);
  const body = (nop ? nop[1]! : raw).trim();
  const word = /^([A-Z]+)\b/.exec(body)?.[1];
  if (word === 'ADD') return { kind: 'ADD', cmd: body };
  if (nop || (word !== undefined && word !== 'RUN' && /^(?:COPY|ENV|LABEL|EXPOSE|CMD|ENTRYPOINT|USER|WORKDIR|VOLUME|ARG|HEALTHCHECK|SHELL|STOPSIGNAL|ONBUILD|MAINTAINER)$/.test(word))) {
    return { kind: 'other', cmd: body };
  }
  return { kind: 'RUN', cmd: body.replace(/^RUN\s+/, '').replace(/^\|\d+\s+(?:\S+=\S*\s+)*/, '').replace(/^\/bin\/(?:ba)?sh -c\s+/, '') };
}
