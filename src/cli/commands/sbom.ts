// portcullis sbom IMAGE — inventory only.
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { REPORT_SCHEMA_VERSION, type ScanReport } from '../../core/report.js';
import { collectInventory } from '../../scan/collect.js';
import { parsePlatform, startHashWorkerFor } from '../../source/index.js';
import { outputTargets, writeOutputs } from '../output.js';
import { layerProgress } from '../progress.js';
import { addRegistryOptions, registryOptions } from '../registry.js';
import { addCacheOptions, layerCache } from '../cache.js';
import { SCANNER } from '../version.js';
import { addOutputOptions, resolvedOptions, maxArchiveBytes, INCLUDE_DECLARED_HELP } from './common.js';
import { debugInventory, timer } from '../debug.js';

export function registerSbomCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('sbom')
    .argument('<image>', 'registry reference (registry.example.com/team/app:1.2, …@sha256:…), docker-archive:PATH, oci-archive:PATH, oci:DIR[:TAG], dir:PATH, or a path (auto-detected)')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform index (default linux/amd64)')
    .option('--include-declared', INCLUDE_DECLARED_HELP);
  addOutputOptions(cmd);
  addRegistryOptions(cmd);
  addCacheOptions(cmd);
  cmd.action(async (image: string, _o: unknown, c: Command) => {
    const { opts, global } = await resolvedOptions(c, io);
    startHashWorkerFor(image);
    const targets = outputTargets('sbom', opts.format as string | undefined, opts.output as string[] | undefined);
    const elapsed = timer();
    const inventory = await collectInventory(image, {
      maxArchiveBytes: maxArchiveBytes(io.env),
      platform: opts.platform ? parsePlatform(String(opts.platform)) : undefined,
      onLayer: layerProgress(io, !global.quiet),
      includeDeclared: opts.includeDeclared === true,
      registry: await registryOptions(opts, io, global.quiet ? undefined : (m) => io.stderr.write(`portcullis: ${m}\n`)),
      cache: layerCache(opts, io, global.debug ? (m) => io.stderr.write(`debug: ${m}\n`) : undefined),
    });
    if (global.debug) debugInventory(io, inventory, elapsed());
    const report: ScanReport = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      scanner: SCANNER,
      createdAt: io.clock.now().toISOString(),
      inventory,
      findings: inventory.gaps,
    };
    await writeOutputs(report, targets, io, { mode: 'sbom', color: global.color, wide: opts.wide === true });
  });
}
