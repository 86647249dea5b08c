import { Command, CommanderError } from 'commander';
import { DocatError, ERROR_CODES } from '@docat/contracts/core';
import { HintedError, hintFor } from './hints.js';

/**
 * Each command's module, loaded only when the command line names it (or help lists them
 * all): `docat extract` then loads none of the schemas, database and translation code the
 * other commands import, and its process stays small while the sandbox children run.
 */
const COMMANDS = {
  translate: async () => (await import('./commands/translate.command.js')).translateCommand(),
  extract: async () => (await import('./commands/extract.command.js')).extractCommand(),
  backup: async () => (await import('./commands/backup.command.js')).backupCommand(),
  restore: async () => (await import('./commands/restore.command.js')).restoreCommand(),
  admin: async () => (await import('./commands/admin.js')).adminCommand(),
} satisfies Record<string, () => Promise<Command>>;

type CommandName = keyof typeof COMMANDS;

function isCommandName(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

/** The program with every command, or with only `only` when the command line names one. */
export async function buildProgram(only?: CommandName): Promise<Command> {
  const program = new Command('docat')
    .description('Docat: translate and extract PDFs, keeping their layout')
    .version('0.1.0')
    .showHelpAfterError()
    .addHelpText(
      'after',
      `
Examples:
  docat translate paper.pdf --to de            paper.de.pdf, paper.de.dual.pdf and the text beside it
  docat translate paper.pdf --to fr --engine deepl --pages 1-5 --format pdf,md
  docat extract paper.pdf --format md          the text in reading order, on standard output

Without an engine key the translation is pseudo (offline, marked, not a real translation).
Set one, e.g. DEEPL_AUTH_KEY or OPENAI_API_KEY, and it is used when --engine is not given.
'docat help translate' lists every option.`,
    )
    .exitOverride();
  const names = only ? [only] : (Object.keys(COMMANDS) as CommandName[]);
  for (const command of await Promise.all(names.map((name) => COMMANDS[name]())))
    program.addCommand(command.exitOverride());
  return program;
}

/** Exit status per failure kind: 2 for usage errors, 3 for bad input, 1 otherwise. */
function exitCodeFor(err: DocatError): number {
  const status = ERROR_CODES[err.code].status;
  if (
    err.code === 'VALIDATION_FAILED' ||
    err.code === 'UNSUPPORTED_FORMAT' ||
    err.code === 'INVALID_PAGE_RANGE'
  )
    return 2;
  return status >= 400 && status < 500 ? 3 : 1;
}

export async function run(argv: string[]): Promise<number> {
  // argv: node, the script, then the command's name (anything else lists every command).
  const name = argv[2];
  const program = await buildProgram(isCommandName(name) ? name : undefined);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; commander has already printed the message.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof DocatError) {
      process.stderr.write(`error ${err.code}: ${err.detail ?? err.message}\n`);
      const hint = err instanceof HintedError ? err.hint : hintFor(err);
      if (hint) process.stderr.write(`hint: ${hint}\n`);
      return exitCodeFor(err);
    }
    process.stderr.write(`error INTERNAL: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
