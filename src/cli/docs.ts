// docs/cli.md, generated from the command definitions (the same tree --help prints):
// `node --import tsx scripts/gen-cli-docs.ts` writes it; src/cli/docs.test.ts fails when it is stale.
import type { Command, Option } from 'commander';
import { allCommands, EXAMPLES, EXIT_CODES, pathOf } from './help.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

function optionRow(o: Option): string {
  const def = o.defaultValue !== undefined && o.defaultValue !== false && !(o.negate && o.defaultValue === true) ? ` (default: \`${String(o.defaultValue)}\`)` : '';
  return `| \`${cell(o.flags)}\` | ${cell(o.description)}${def} |`;
}

function usage(cmd: Command): string {
  return `portcullis ${pathOf(cmd)} ${cmd.usage()}`.replace(/\s+/g, ' ').trim();
}

/** The whole of docs/cli.md. */
export function renderCliDocs(program: Command): string {
  const out: string[] = [
    '# Command line reference',
    '',
    '<!-- Generated from the command definitions by `node --import tsx scripts/gen-cli-docs.ts`; do not edit by hand. -->',
    '',
    program.description(),
    '',
    '`--format` values are case-insensitive; the human-readable format is `table` in every command (`text` is',
    'accepted as its old name). Every flag can also come from `portcullis.yaml` (keys are the long flag names);',
    'flags beat environment beat the config file.',
    '',
    '## Exit codes',
    '',
    '| Code | Meaning |',
    '|---|---|',
    ...EXIT_CODES.map(([c, m]) => `| ${c} | ${cell(m)} |`),
    '',
    '## Global options',
    '',
    'Given before or after the command (`portcullis --quiet scan …`).',
    '',
    '| Option | Meaning |',
    '|---|---|',
    ...program.options.map(optionRow),
    '',
  ];
  for (const cmd of allCommands(program).slice(1)) {
    if (cmd.name() === 'help') continue;
    const path = pathOf(cmd);
    out.push(`## ${path}`, '', cmd.description(), '', '```', usage(cmd), '```', '');
    const args = cmd.registeredArguments;
    if (args.length) {
      out.push('| Argument | Meaning |', '|---|---|', ...args.map((a) => `| \`${a.name()}${a.variadic ? '...' : ''}\`${a.required ? '' : ' (optional)'} | ${cell(a.description)} |`), '');
    }
    if (cmd.commands.length) {
      out.push('Commands: ' + cmd.commands.filter((c) => c.name() !== 'help').map((c) => `[\`${path} ${c.name()}\`](#${`${path} ${c.name()}`.replace(/\s+/g, '-')})`).join(', ') + '.', '');
    }
    if (cmd.options.length) out.push('| Option | Meaning |', '|---|---|', ...cmd.options.map(optionRow), '');
    const ex = EXAMPLES[path] ?? [];
    if (ex.length) out.push('Examples:', '', '```sh', ...ex, '```', '');
  }
  return out.join('\n');
}
