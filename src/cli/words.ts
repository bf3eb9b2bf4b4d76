// Which command the arguments name, read without the CLI's parser (commander): for the loader (main.ts, which
// defines only that command) and the bundle's launcher (early.ts), which must not load the parser.

/** Global flags that take a value: what follows them is not the command name. */
const GLOBAL_WITH_VALUE = new Set(['--config']);

/** The command the arguments choose (`portcullis [globals] NAME ...`, `portcullis help NAME`), if any. */
export function chosenCommand(argv: readonly string[]): string | undefined {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (GLOBAL_WITH_VALUE.has(a)) i++;
    else if (!a.startsWith('-')) words.push(a);
  }
  return words[0] === 'help' ? words[1] : words[0];
}
