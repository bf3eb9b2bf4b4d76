// portcullis policy push --server URL DIR [--prune] / policy pull --server URL DIR: policy-as-code in
// git (VEX JSON files too, kept byte for byte), synced with the server. Every file is validated by the
// server before any is stored; pulled files are the pushed text (comments kept), so push → pull → push
// changes nothing.
import type { Command } from 'commander';
import { PortcullisError } from '../../core/errors.js';
import { readFolder, serverRequest, writeFolder } from '../../server/client.js';
import type { CliIo } from '../io.js';
import { resolvedOptions } from './common.js';
import { serverTarget } from './remote.js';

function needServer(opts: Record<string, unknown>): string {
  if (opts.server === undefined) throw new PortcullisError('BAD_INPUT', 'give --server URL (token: $PORTCULLIS_TOKEN)');
  return String(opts.server);
}

export function registerSyncCommands(policy: Command, io: CliIo): void {
  policy
    .command('push')
    .description('upload a folder of policy, exception and base-catalog files (and VEX JSON files: *.vex.json, *.openvex.json, *.cdx.json, *.csaf.json, vex/*.json) to a server (each changed document becomes a new revision)')
    .argument('<dir>', 'folder of .yaml/.yml files and VEX .json files')
    .option('--server <url>', 'the Portcullis server (token: $PORTCULLIS_TOKEN)')
    .option('--prune', 'revoke documents on the server that are not in the folder')
    .action(async (dir: string, _o: unknown, c: Command) => {
      const { opts } = await resolvedOptions(c, io);
      const target = serverTarget(needServer(opts), io);
      const documents = await readFolder(dir);
      if (documents.length === 0) throw new PortcullisError('BAD_INPUT', `${dir}: no documents to push`);
      const r = (await serverRequest(target, 'POST', '/api/v1/documents', { documents, prune: opts.prune === true })) as Record<string, string[]>;
      for (const k of ['created', 'updated', 'revoked', 'unchanged']) {
        for (const x of r[k] ?? []) io.stdout.write(`${k.padEnd(9)} ${x}\n`);
      }
    });
  policy
    .command('pull')
    .description('download every policy, exception, base-catalog and VEX document from a server into a folder, as the files they were pushed as (VEX documents byte for byte)')
    .argument('<dir>', 'folder to write into (created when missing; files not on the server are left alone)')
    .option('--server <url>', 'the Portcullis server (token: $PORTCULLIS_TOKEN)')
    .action(async (dir: string, _o: unknown, c: Command) => {
      const { opts } = await resolvedOptions(c, io);
      const target = serverTarget(needServer(opts), io);
      const r = (await serverRequest(target, 'GET', '/api/v1/documents')) as { documents?: unknown };
      if (!Array.isArray(r?.documents)) throw new PortcullisError('BAD_INPUT', `server ${target.url}: GET /api/v1/documents: expected {documents: [...]}`);
      const docs = r.documents.map((d: unknown, i: number) => {
        const x = d as { file?: unknown; position?: unknown; raw?: unknown };
        if (typeof x?.file !== 'string' || typeof x.raw !== 'string' || !Number.isInteger(x.position)) throw new PortcullisError('BAD_INPUT', `server ${target.url}: documents[${i}]: expected file, position and raw`);
        return { file: x.file, position: x.position as number, raw: x.raw };
      });
      for (const f of await writeFolder(dir, docs)) io.stdout.write(`wrote ${f}\n`);
    });
}
