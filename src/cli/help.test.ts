// Every command's --help shows examples, the exit codes, the allowed values of --format and --severity and the
// global options; every example names a real command and real flags; docs/cli.md is the generated text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { REPO_ROOT } from '../core/shared.js';
import { runCli } from './main.js';
import { buildProgram } from './program.js';
import { captureIo } from './testio.js';
import { allCommands, EXAMPLES, pathOf } from './help.js';
import { renderCliDocs } from './docs.js';

const program = (): Promise<Command> => buildProgram(captureIo('2026-01-01T00:00:00Z').io);

test('every command has examples; every example is a real command with real flags', async () => {
  const root = await program();
  const commands = allCommands(root).filter((c) => c.name() !== 'help');
  for (const c of commands) assert.ok((EXAMPLES[pathOf(c)] ?? []).length > 0, `no examples for "${pathOf(c)}"`);
  const known = new Set(commands.map(pathOf));
  for (const key of Object.keys(EXAMPLES)) assert.ok(known.has(key), `examples for a command that does not exist: "${key}"`);
  const globals = new Set(root.options.map((o) => o.long));
  for (const ex of Object.values(EXAMPLES).flat()) {
    const words = ex.split(/\s+/);
    assert.equal(words[0], 'portcullis', ex);
    let cmd = root;
    let i = 1;
    for (; i < words.length; i++) {
      const sub = cmd.commands.find((c) => c.name() === words[i]);
      if (!sub) break;
      cmd = sub;
    }
    assert.ok(cmd !== root, `${ex}: no command`);
    for (const w of words.slice(i).filter((x) => x.startsWith('--'))) {
      // an option of the command or of a command above it (commander reads those after the subcommand too)
      let owner: Command | null = cmd;
      while (owner && !owner.options.some((o) => o.long === w)) owner = owner.parent;
      assert.ok(owner || globals.has(w), `${ex}: ${w} is not an option of ${pathOf(cmd)}`);
    }
  }
});

test('--help of every command: examples, exit codes, allowed --format and --severity values, global options', async () => {
  for (const c of allCommands(await program()).filter((x) => x.name() !== 'help')) {
    const args = [...pathOf(c).split(' ').filter(Boolean), '--help'];
    const { io, out } = captureIo('2026-01-01T00:00:00Z');
    assert.equal(await runCli(args, io), 0, args.join(' '));
    const text = out();
    assert.match(text, /\nExamples:\n {2}\$ portcullis /, args.join(' '));
    assert.match(text, /\nExit codes:\n {2}0 .*\n {2}1 .*\n {2}2 /, args.join(' '));
    if (c.parent) assert.match(text, /\nGlobal Options:\n[\s\S]*--config <file>[\s\S]*--quiet[\s\S]*--no-color/, args.join(' '));
    const flat = text.replace(/\s+/g, ' ');
    if (c.options.some((o) => o.long === '--format')) assert.match(flat, /--format <format> .*?one of: [a-z-]+(, [a-z-]+)+ \(any case\)/, args.join(' '));
    if (c.options.some((o) => o.long === '--severity')) assert.match(flat, /one of: critical, high, medium, low, negligible, unknown/, args.join(' '));
  }
  const { io, out } = captureIo('2026-01-01T00:00:00Z');
  await runCli(['scan', '--help'], io);
  assert.match(out().replace(/\s+/g, ' '), /one of: table, json, sarif, junit, markdown, cyclonedx, html, openvex, gitlab \(any case\)/);
});

test('docs/cli.md is generated from the command definitions (run: node --import tsx scripts/gen-cli-docs.ts)', async () => {
  const actual = readFileSync(join(REPO_ROOT, 'docs/cli.md'), 'utf8');
  assert.equal(actual, renderCliDocs(await program()), 'docs/cli.md is stale: run node --import tsx scripts/gen-cli-docs.ts and commit it');
});
