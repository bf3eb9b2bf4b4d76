// The configuration checks: stable ids (CIS Docker Benchmark section 4 and Dockle's ids where one
// exists, PCL-* for ours), with what each means and the Dockerfile line that fixes it. Documented in
// docs/config-checks.md (a test keeps the two in step).
import type { Severity } from '../../core/types.js';

export interface CheckDef {
  id: string;
  title: string;
  severity: Severity;
  description: string;
  remediation: string;
}

const defs: CheckDef[] = [
  {
    id: 'CIS-DI-0001',
    title: 'image runs as root',
    severity: 'high',
    description: 'No USER, or a USER that is UID 0 (by name, number, or an /etc/passwd entry with UID 0): a container escape starts as root.',
    remediation: 'RUN useradd --uid 10001 --no-create-home app  and then  USER 10001',
  },
  {
    id: 'PCL-USER-001',
    title: 'USER does not exist in the image',
    severity: 'medium',
    description: 'The configured USER names a user that /etc/passwd does not list: the container fails to start, or runs with an unintended identity.',
    remediation: 'create the user in the image (RUN useradd ...) or use a numeric USER 10001',
  },
  {
    id: 'CIS-DI-0006',
    title: 'no HEALTHCHECK',
    severity: 'low',
    description: 'Without a HEALTHCHECK the runtime cannot tell a hung container from a healthy one.',
    remediation: 'HEALTHCHECK --interval=30s --timeout=3s CMD ["/app/healthcheck"]',
  },
  {
    id: 'CIS-DI-0007',
    title: 'apt-get update alone in a build step',
    severity: 'low',
    description: 'An `apt-get update` cached in its own layer installs stale package lists in later builds.',
    remediation: 'RUN apt-get update && apt-get install -y --no-install-recommends PKG && rm -rf /var/lib/apt/lists/*',
  },
  {
    id: 'CIS-DI-0008',
    title: 'setuid/setgid file',
    severity: 'medium',
    description: 'setuid and setgid binaries run with their owner\'s privileges: a route to privilege escalation inside the container.',
    remediation: 'RUN chmod u-s,g-s FILE  (or remove the file)',
  },
  {
    id: 'CIS-DI-0009',
    title: 'ADD used where COPY fits',
    severity: 'low',
    description: 'ADD fetches URLs without verification and unpacks local archives implicitly; COPY does neither.',
    remediation: 'COPY SRC DST  (for a URL: RUN curl -fsSLo FILE URL && echo "SHA256  FILE" | sha256sum -c)',
  },
  {
    id: 'CIS-DI-0010',
    title: 'secret in ENV or build argument',
    severity: 'high',
    description: 'Environment variables and build arguments are stored in the image config and history, readable by anyone who pulls the image.',
    remediation: 'remove the ENV/ARG; pass the value at run time (a mounted secret, or RUN --mount=type=secret at build time)',
  },
  {
    id: 'DKL-DI-0001',
    title: 'sudo installed or used',
    severity: 'medium',
    description: 'sudo in a container has unpredictable TTY and signal behaviour and lets a compromised user become root.',
    remediation: 'drop sudo: run the step as root before USER, or use gosu/setpriv in the entrypoint',
  },
  {
    id: 'DKL-DI-0002',
    title: 'sensitive directory declared as a VOLUME',
    severity: 'medium',
    description: 'A VOLUME over /dev, /proc or /sys invites mounting the host\'s.',
    remediation: 'remove the VOLUME instruction for that directory',
  },
  {
    id: 'DKL-DI-0003',
    title: 'distribution upgrade in a build step',
    severity: 'low',
    description: '`apt-get upgrade`/`dist-upgrade` (and `apk upgrade`, `dnf upgrade`) change the base image\'s packages out of band: rebuild on a patched base instead.',
    remediation: 'remove the upgrade; rebuild FROM a current tag of the base image',
  },
  {
    id: 'DKL-DI-0004',
    title: 'apk add without --no-cache',
    severity: 'low',
    description: '`apk add` without `--no-cache` leaves the package index in the image.',
    remediation: 'RUN apk add --no-cache PKG',
  },
  {
    id: 'DKL-DI-0005',
    title: 'package manager cache left in the image',
    severity: 'low',
    description: 'apt lists, apk, pip or npm caches add size and stale metadata to every pull.',
    remediation: 'clean in the same RUN step: rm -rf /var/lib/apt/lists/* (apt), --no-cache (apk), pip --no-cache-dir, npm cache clean --force',
  },
  {
    id: 'DKL-DI-0006',
    title: 'base image referenced by :latest or without a tag',
    severity: 'low',
    description: 'A moving tag makes builds unreproducible and base-image approval meaningless.',
    remediation: 'FROM image:1.2.3@sha256:...  (a fixed tag, pinned by digest)',
  },
  {
    id: 'DKL-LI-0001',
    title: 'account with an empty password',
    severity: 'high',
    description: 'An /etc/shadow (or /etc/passwd) entry with an empty password field lets anyone log in as that user.',
    remediation: 'RUN passwd -l USER  (or usermod -p \'*\' USER)',
  },
  {
    id: 'DKL-LI-0002',
    title: 'duplicate UID or GID',
    severity: 'medium',
    description: 'Two accounts or groups share an id: file ownership and permission checks cannot tell them apart.',
    remediation: 'give each account and group its own id (usermod -u / groupmod -g)',
  },
  {
    id: 'DKL-LI-0003',
    title: 'unnecessary file shipped in the image',
    severity: 'medium',
    description: 'A .git directory ships the source history (often with credentials in it) to everyone who pulls the image.',
    remediation: 'add the path to .dockerignore (e.g. .git) and rebuild',
  },
  {
    id: 'PCL-LI-0001',
    title: 'password set for an account',
    severity: 'medium',
    description: 'A usable password hash in /etc/shadow: the hash can be cracked offline and the password works wherever it is reused.',
    remediation: 'RUN passwd -l USER  (containers need no passwords)',
  },
  {
    id: 'PCL-LI-0002',
    title: 'locked account keeps its password hash',
    severity: 'low',
    description: 'A locked entry (`!` before a real hash) keeps the hash in the image; `usermod -U` brings the password back.',
    remediation: "RUN usermod -p '*' USER  (replace the hash, not only lock it)",
  },
  {
    id: 'PCL-LI-0003',
    title: 'another account with UID 0',
    severity: 'high',
    description: 'A second UID-0 account is root under another name (a classic backdoor).',
    remediation: 'remove the account or give it a non-zero UID',
  },
  {
    id: 'PCL-LI-0004',
    title: 'files owned by a UID that has no user',
    severity: 'low',
    description: 'Files owned by a UID without an /etc/passwd entry become the property of whichever user gets that UID later.',
    remediation: 'RUN chown -R app:app PATH  (or COPY --chown=app:app)',
  },
  {
    id: 'PCL-FS-0001',
    title: 'world-writable file or directory',
    severity: 'medium',
    description: 'Any user in the container can change a world-writable file, or swap files in a world-writable directory without the sticky bit.',
    remediation: 'RUN chmod o-w PATH  (directories shared by users: chmod +t)',
  },
  {
    id: 'PCL-FS-0002',
    title: 'file capabilities on a binary',
    severity: 'medium',
    description: 'A `security.capability` extended attribute grants capabilities to whoever runs the binary, like a partial setuid.',
    remediation: 'RUN setcap -r FILE',
  },
  {
    id: 'PCL-FS-0003',
    title: 'credential file shipped in the image',
    severity: 'high',
    description: 'Private keys, .env files, Docker/Kubernetes/cloud client configs and .netrc/.npmrc/.pypirc files carry credentials to everyone who pulls the image.',
    remediation: 'add the file to .dockerignore, remove it from every layer (a later `rm` does not), and rotate what it held',
  },
  {
    id: 'PCL-NET-0001',
    title: 'SSH port exposed',
    severity: 'medium',
    description: 'EXPOSE 22: containers are managed with `exec`, not SSH; an SSH server is an extra door.',
    remediation: 'remove EXPOSE 22 and the SSH server',
  },
  {
    id: 'PCL-NET-0002',
    title: 'SSH server installed',
    severity: 'medium',
    description: 'An sshd in the image (openssh-server, dropbear) is an extra door with its own credentials.',
    remediation: 'remove the SSH server package (apt-get purge openssh-server)',
  },
  {
    id: 'PCL-NET-0003',
    title: 'privileged port exposed',
    severity: 'low',
    description: 'Ports below 1024 need root or CAP_NET_BIND_SERVICE to bind: the process will run privileged.',
    remediation: 'listen on a port ≥ 1024 (EXPOSE 8080) and map it at the load balancer',
  },
  {
    id: 'PCL-DF-0001',
    title: 'base image not pinned by digest',
    severity: 'low',
    description: 'FROM with a tag only: the same Dockerfile builds on different bases over time.',
    remediation: 'FROM image:tag@sha256:...',
  },
  {
    id: 'PCL-DF-0002',
    title: 'apt-get install without --no-install-recommends',
    severity: 'low',
    description: 'Recommended packages add size and attack surface the application does not need.',
    remediation: 'RUN apt-get install -y --no-install-recommends PKG',
  },
  {
    id: 'PCL-DF-0003',
    title: 'script piped from the network into a shell',
    severity: 'medium',
    description: '`curl … | sh` runs whatever the server returns at build time, unverified.',
    remediation: 'download to a file, verify its checksum or signature, then run it',
  },
];

export const CHECKS: ReadonlyMap<string, CheckDef> = new Map(defs.map((d) => [d.id, d]));

export function def(id: string): CheckDef {
  const d = CHECKS.get(id);
  if (!d) throw new Error(`unknown config check ${id}`);
  return d;
}
