import { Command } from 'commander';

interface BackupFlags {
  dataDir?: string;
}

export function backupCommand(): Command {
  return new Command('backup')
    .description(
      "Archive a stopped standalone server's data folder (database, files, keys) into one .tar.gz",
    )
    .argument('<file>', 'the archive to write, e.g. docat-backup.tar.gz')
    .option('--data-dir <dir>', "the server's data folder (default: DOCAT_DATA_DIR, else ./data)")
    .addHelpText(
      'after',
      "\nRefused while a server runs on the folder: stop it first. The CLI's own folder is not involved.",
    )
    .action(async (file: string, flags: BackupFlags) => {
      // Loaded here: the database package is not needed by the other commands.
      const { backupDataFolder, serverDataDir } = await import('./data-folder-archive.js');
      const dataDir = serverDataDir(flags.dataDir);
      const result = await backupDataFolder(dataDir, file);
      const schemas = Object.entries(result.manifest.schemas)
        .map(([schema, s]) => `${schema}@${s.version ?? 'none'}`)
        .join(', ');
      process.stdout.write(
        `backed up ${dataDir} to ${result.file} (${result.bytes} bytes; Docat ${result.manifest.docatVersion}; schemas ${schemas || 'none'})\n`,
      );
    });
}
