import { Command, CommanderError } from 'commander';
import { DocatError, ERROR_CODES } from '@docat/contracts';
import { adminCommand } from './commands/admin.js';
import { backupCommand } from './commands/backup.command.js';
import { extractCommand } from './commands/extract.command.js';
import { restoreCommand } from './commands/restore.command.js';
import { translateCommand } from './commands/translate.command.js';

export function buildProgram(): Command {
  const program = new Command('docat')
    .description('Docat: translate and extract PDFs, keeping their layout')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(translateCommand().exitOverride());
  program.addCommand(extractCommand().exitOverride());
  program.addCommand(backupCommand().exitOverride());
  program.addCommand(restoreCommand().exitOverride());
  program.addCommand(adminCommand().exitOverride());
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
  const program = buildProgram();
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
      return exitCodeFor(err);
    }
    process.stderr.write(`error INTERNAL: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
