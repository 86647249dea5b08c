import { Command } from 'commander';

interface RestoreFlags {
  dataDir?: string;
  force?: boolean;
}

export function restoreCommand(): Command {
  return new Command('restore')
    .description("Unpack an archive made by 'docat backup' into a standalone server's data folder")
    .argument('<file>', 'the archive to read')
    .option('--data-dir <dir>', "the server's data folder (default: DOCAT_DATA_DIR, else ./data)")
    .option('--force', 'replace whatever the folder holds')
    .addHelpText(
      'after',
      '\nRefused while a server runs on the folder, into a folder that is not empty (without --force), and for an archive made by a newer Docat.',
    )
    .action(async (file: string, flags: RestoreFlags) => {
      // Loaded here: the database package is not needed by the other commands.
      const { restoreDataFolder, serverDataDir } = await import('./data-folder-archive.js');
      const dataDir = serverDataDir(flags.dataDir);
      const manifest = await restoreDataFolder(file, dataDir, { force: flags.force ?? false });
      process.stdout.write(
        `restored ${file} (made ${manifest.createdAt} by Docat ${manifest.docatVersion}) into ${dataDir}\n`,
      );
    });
}
