// The program: every command by name and summary, each command's module loaded only when it runs.
import { Command } from 'commander';
import type { CliIo } from './io.js';
import { VERSION } from './version.js';
import { decorateHelp } from './help.js';

export { chosenCommand } from './words.js';

export { CommanderError } from 'commander';

type Register = (program: Command, io: CliIo) => void;

/**
 * The commands. A command's module (and with it SQLite, the policy schemas, YAML, the analyzers...) is
 * imported only when that command runs or its help is shown: `--version` and `sbom` stay light
 * (test/startup.test.ts counts what they load). The summary here is the one `portcullis --help` shows.
 */
const COMMANDS: { name: string; summary: string; load: () => Promise<Register> }[] = [
  { name: 'sbom', summary: 'inventory an image: OS, OS packages and language packages, with the layer that added each', load: async () => (await import('./commands/sbom.js')).registerSbomCommand },
  { name: 'scan', summary: 'find known vulnerabilities (and evaluate assurance policies when --pipeline/--policy is given)', load: async () => (await import('./commands/scan.js')).registerScanCommand },
  { name: 'db', summary: 'build, update and inspect the local advisory database', load: async () => (await import('./commands/db.js')).registerDbCommands },
  { name: 'policy', summary: 'validate, test and explain assurance policies and exceptions', load: async () => (await import('./commands/policy.js')).registerPolicyCommands },
  { name: 'base', summary: 'catalog of known base images: record, list and remove them (see docs/base-images.md)', load: async () => (await import('./commands/base.js')).registerBaseCommands },
  { name: 'admission', summary: 'run the Kubernetes admission webhook: images without a valid passing decision for their digest do not run', load: async () => (await import('./commands/admission.js')).registerAdmissionCommand },
  { name: 'keys', summary: 'signing keys for decisions (ECDSA P-256)', load: async () => (await import('./commands/attest.js')).registerKeysCommands },
  { name: 'attest', summary: 'attach a signed decision to an image in its registry', load: async () => (await import('./commands/attest.js')).registerAttestCommand },
  { name: 'verify', summary: 'check the signed decisions attached to an image', load: async () => (await import('./commands/attest.js')).registerVerifyCommand },
  { name: 'compare', summary: "compare Trivy and Grype JSON reports with Portcullis's for the same image", load: async () => (await import('./commands/compare.js')).registerCompareCommand },
  { name: 'server', summary: 'run the Portcullis server (policies, exceptions and decisions over an HTTP API); manage its tokens and backups', load: async () => (await import('./commands/server.js')).registerServerCommands },
  { name: 'worker', summary: 'work the server\'s job queue (re-evaluation of stored images) beside other workers on PostgreSQL', load: async () => (await import('./commands/worker.js')).registerWorkerCommand },
];

/**
 * The program with the commands named in `load` fully defined (all of them by default); the others are
 * listed by name and summary only, which is all `--help` and `--version` need.
 */
export async function buildProgram(io: CliIo, load: readonly string[] = COMMANDS.map((c) => c.name)): Promise<Command> {
  const program = new Command();
  program
    .name('portcullis')
    .description('Container image assurance gate: inventory, vulnerabilities, policies with exceptions, approved base images')
    .version(VERSION)
    .option('--config <file>', 'config file with flag defaults (default: ./portcullis.yaml)')
    .option('--quiet', 'no progress or notices on stderr')
    .option('--debug', 'print stack traces and debug details on stderr')
    .option('--no-color', 'never colour the output')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError(false)
    .configureHelp({ showGlobalOptions: true });
  for (const entry of COMMANDS) {
    if (load.includes(entry.name)) (await entry.load())(program, io);
    else program.command(entry.name).allowUnknownOption().allowExcessArguments();
    program.commands.find((c) => c.name() === entry.name)!.description(entry.summary);
  }
  for (const c of program.commands) c.exitOverride();
  // the allowed --format values come from the commands' module (and the reporters' table): only when a command is loaded
  decorateHelp(program, load.length > 0 ? (await import('./commands/common.js')).formatsOf : undefined);
  return program;
}

