// Image sources: parse what the user typed and open it as a ResolvedImage.
// See README.md for the formats and how each is read.
import { existsSync, statSync } from 'node:fs';
import type { ImageRef, Platform, ResolvedImage } from '../core/types.js';
import { PortcullisError } from '../core/errors.js';
import { resolveDir } from './dir.js';
import { resolveDockerArchive } from './docker.js';
import { platformMatches, resolveOci } from './oci.js';
import { formatPlatform, parseImageRef } from './ref.js';
import { DirStore, type ArchiveOptions, type BlobStore } from './store.js';
import { openArchive } from './compressed.js';
import { sharedHashWorker } from './hashworker.js';
import { largeLocalArchive } from './earlyworker.js';
import type { RegistryOptions } from './registry/resolve.js';

export { parseImageRef, normaliseImageName, parsePlatform, formatPlatform, DEFAULT_PLATFORM } from './ref.js';
export { dirLayerId } from './dir.js';

export interface OpenOptions extends ArchiveOptions {
  platform?: Platform;
  signal?: AbortSignal;
  /** registry access: credentials, CAs, insecure hosts, mirrors, retries (registry references only) */
  registry?: Omit<RegistryOptions, 'platform' | 'signal'>;
}

function forced(ref: ImageRef): boolean {
  return ref.input.startsWith(`${ref.transport}:`);
}

async function resolveArchive(ref: ImageRef, store: BlobStore, opts: OpenOptions): Promise<ResolvedImage> {
  if (forced(ref)) {
    return ref.transport === 'docker-archive' ? resolveDockerArchive(ref, store) : resolveOci(ref, store, opts.platform);
  }
  // Auto-detected: an OCI layout wins when its index lists an image; Docker 25+ archives carry both.
  if (store.exists('oci-layout') && store.exists('index.json')) {
    try {
      return await resolveOci({ ...ref, transport: ref.transport === 'oci' ? 'oci' : 'oci-archive' }, store, opts.platform);
    } catch (e) {
      const noImages = e instanceof PortcullisError && /lists no image manifests/.test(e.message);
      if (!(noImages && store.exists('manifest.json'))) throw e;
    }
  }
  if (store.exists('manifest.json')) return resolveDockerArchive({ ...ref, transport: 'docker-archive' }, store);
  throw new PortcullisError('IMAGE_UNREADABLE', `${store.where}: neither an OCI layout (oci-layout + index.json) nor a docker save archive (manifest.json)`, {
    subject: store.where,
  });
}

/**
 * Identity from content: a digest typed in the reference (`docker-archive:PATH:NAME@sha256:…`,
 * `oci:DIR@sha256:…`) must equal the manifest or the config digest we computed from the archive's
 * bytes; it selects and pins, it never names the image. DIGEST_MISMATCH (exit 2) naming both otherwise.
 */
export function checkTypedDigest(image: Pick<ResolvedImage, 'ref' | 'manifestDigest' | 'configDigest'>): void {
  const want = image.ref.digest;
  if (want === undefined) return;
  const computed = [image.manifestDigest, image.configDigest].filter((d): d is string => d !== undefined);
  if (computed.some((d) => d.toLowerCase() === want.toLowerCase())) return;
  const what = [
    image.manifestDigest ? `manifest digest ${image.manifestDigest}` : undefined,
    image.configDigest ? `config digest (image id) ${image.configDigest}` : undefined,
  ].filter(Boolean);
  const where = image.ref.path ?? image.ref.input;
  throw new PortcullisError(
    'DIGEST_MISMATCH',
    `${where}: the reference pins ${want}, but the image read has ${what.length ? what.join(' and ') : 'no digest'}: refusing to judge an image other than the one named`,
    { subject: where },
  );
}

/** A platform asked for explicitly must be the one read, also from a single-platform archive. */
async function checkPlatform(image: ResolvedImage, want: Platform | undefined): Promise<ResolvedImage> {
  if (want && !platformMatches(image.platform, want)) {
    await image.close();
    throw new PortcullisError('NOT_FOUND', `${image.ref.path ?? image.ref.input}: the image is ${formatPlatform(image.platform)}, not the requested ${formatPlatform(want)}`);
  }
  return image;
}

/**
 * Starts the hash worker now (or adopts the one the bundle's launcher started) when `input` names a local
 * archive large enough to need it: its start (a thread booting Node, 40–90 ms) then overlaps the command's
 * set-up (rules, policy, DB) instead of holding up the first large layer (a rescan of a 157 MB archive
 * waited ~90 ms for it). Whether one runs.
 */
export function startHashWorkerFor(input: string): boolean {
  return largeLocalArchive(input) && sharedHashWorker() !== undefined;
}

/** Open an image for reading. The caller must `close()` it (removes any private temp files). */
export async function openImage(input: string, opts: OpenOptions = {}): Promise<ResolvedImage> {
  const ref = parseImageRef(input);
  switch (ref.transport) {
    // registries and daemons load their HTTP(S) clients only when used (~12 ms of every start otherwise)
    case 'registry': {
      const { resolveRegistry } = await import('./registry/resolve.js');
      return resolveRegistry(ref, { ...opts.registry, ...(opts.platform ? { platform: opts.platform } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    }
    case 'docker-daemon':
    case 'podman': {
      const { resolveDaemon } = await import('./daemon/index.js');
      return checkPlatform(await resolveDaemon(ref, { ...(opts.registry?.env ? { env: opts.registry.env } : {}), ...(opts.signal ? { signal: opts.signal } : {}) }), opts.platform);
    }
    case 'sbom':
      throw new PortcullisError('BAD_INPUT', `${ref.path}: an SBOM is not an image; pass it with --sbom`);
    case 'dir':
      return resolveDir(ref, opts.platform);
    case 'oci':
    case 'docker-archive':
    case 'oci-archive': {
      // an OCI layout directory, or an unpacked archive (a directory), is read in place
      const inPlace = ref.transport === 'oci' || (existsSync(ref.path!) && statSync(ref.path!).isDirectory());
      const store = inPlace ? new DirStore(ref.path!, opts.archiveMemo) : await openArchive(ref.path!, opts);
      let image: ResolvedImage;
      try {
        image = await checkPlatform(await resolveArchive(ref, store, opts), opts.platform);
      } catch (e) {
        await store.close();
        throw e;
      }
      try {
        checkTypedDigest(image);
      } catch (e) {
        await image.close();
        throw e;
      }
      return image;
    }
  }
}
