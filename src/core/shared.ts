// Locates ../shared (the project's shared fixtures and advisory data) for real-data tests.
// Tests that need it call `sharedOrSkip(t, 'fixtures/images/...')`, which skips with a visible message when absent.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const SHARED_DIR = process.env.PORTCULLIS_SHARED_DIR ?? resolve(repoRoot, '..', 'shared');

export function sharedPath(rel: string): string {
  return join(SHARED_DIR, rel);
}

/** Returns the absolute path, or undefined after marking the test skipped with a message. */
export function sharedOrSkip(t: { skip(msg?: string): void }, rel: string): string | undefined {
  const p = sharedPath(rel);
  if (existsSync(p)) return p;
  const msg = `SKIPPED: shared test data not found at ${p} (check out ../shared beside the repo)`;
  console.log(msg);
  t.skip(msg);
  return undefined;
}

export const REPO_ROOT = repoRoot;
