// `portcullis policy convert FILE`: another scanner's ignore file (.trivyignore, .trivyignore.yaml,
// .grype.yaml, .snyk) as a Portcullis Exceptions document, with what had to be filled in said on stderr.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { writeOutputText } from '../../core/outfile.js';
import { readUserFile } from '../../core/userfile.js';
import { MAX_POLICY_FILE_BYTES } from '../../policy/load.js';
import { readForeign } from '../../policy/foreign/index.js';
import { API_VERSION } from '../../policy/schema.js';
import type { CliIo } from '../io.js';
import { resolvedOptions } from './common.js';

export function registerPolicyConvert(policy: Command, io: CliIo): void {
  policy
    .command('convert')
    .description("convert another scanner's ignore file (.trivyignore, .trivyignore.yaml, .grype.yaml, .snyk) to Portcullis exceptions (YAML)")
    .argument('<file>', 'the ignore file (its name says which format)')
    .option('-o, --output <file>', 'write the Exceptions YAML to FILE (default: stdout)')
    .action(async (file: string, _o: unknown, c: Command) => {
      const { opts, global } = await resolvedOptions(c, io);
      const text = (await readUserFile(file, MAX_POLICY_FILE_BYTES, 'policy convert')).toString('utf8');
      const d = readForeign(text, file, io.clock.now());
      const doc = {
        apiVersion: API_VERSION,
        kind: 'Exceptions',
        metadata: { name: `converted-from-${file.split('/').pop()!.replace(/^\./, '')}`, description: `converted by portcullis policy convert from ${file}; review scope, owner and expiry` },
        exceptions: d.exceptions.map(({ source: _s, ...e }) => e),
      };
      const yaml = stringify(doc, { lineWidth: 0 });
      if (opts.output !== undefined) await writeOutputText(String(opts.output), yaml);
      else io.stdout.write(yaml);
      if (!global.quiet) for (const w of d.warnings ?? []) io.stderr.write(`portcullis: warning: ${w}\n`);
    });
}
