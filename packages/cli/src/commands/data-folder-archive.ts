import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import * as tar from 'tar';
import { z } from 'zod';
import { DocatError } from '@docat/contracts';
import {
  acquireDataFolderLock,
  DataFolderLockedError,
  EMBEDDED_DATABASE_NAME,
  EmbeddedDatabase,
  LOCK_FILE,
  MIGRATIONS,
  embeddedDatabaseDir,
  migrationName,
  migrationTimestamp,
  schemaStatuses,
  type DataFolderLock,
  type MigrationClass,
} from '@docat/database';

/** The first entry of every backup archive. */
export const MANIFEST_NAME = 'docat-backup.json';

const manifestSchema = z.object({
  format: z.literal('docat-backup/1'),
  docatVersion: z.string().regex(/^\d+\.\d+\.\d+/),
  createdAt: z.string(),
  /** Per service schema: the version recorded in its docat_schema_version and the migrations it ran. */
  schemas: z.record(
    z.string(),
    z.object({ version: z.number().nullable(), migrations: z.array(z.string()) }),
  ),
});
export type BackupManifest = z.infer<typeof manifestSchema>;

export function docatVersion(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  return manifest.version;
}

/**
 * The server's data folder (standalone mode): the flag, else DOCAT_DATA_DIR, else
 * `./data`, as the server resolves it. Not the CLI's own folder.
 */
export function serverDataDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return resolve(flag ?? (env.DOCAT_DATA_DIR || './data'));
}

/** Takes the data-folder lock, so no server can start on the folder meanwhile. */
export async function lockDataFolder(dataDir: string): Promise<DataFolderLock> {
  try {
    return await acquireDataFolderLock(dataDir);
  } catch (err) {
    if (err instanceof DataFolderLockedError) throw new DocatError('FORBIDDEN', err.message);
    throw err;
  }
}

/** The schema versions of the embedded database, read by starting it briefly (the caller holds the lock). */
async function readSchemaVersions(dataDir: string): Promise<BackupManifest['schemas']> {
  const databaseDir = embeddedDatabaseDir(dataDir);
  if (!(await exists(join(databaseDir, 'pgdata')))) return {};
  const database = new EmbeddedDatabase({ dataDir: databaseDir });
  await database.start();
  try {
    const url = await database.ensureDatabase(EMBEDDED_DATABASE_NAME);
    const statuses = await schemaStatuses(url);
    return Object.fromEntries(
      statuses.map((s) => [s.schema, { version: s.recordedVersion, migrations: s.applied }]),
    );
  } finally {
    await database.stop();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Entries a backup leaves out: the lock, and what only a running PostgreSQL or an interrupted write leaves. */
function excluded(path: string): boolean {
  const normalised = path.replace(/^\.\//, '');
  return (
    normalised === LOCK_FILE ||
    normalised.endsWith(`${'/'}postmaster.pid`) ||
    normalised.split('/').includes('.tmp')
  );
}

export interface BackupResult {
  file: string;
  bytes: number;
  manifest: BackupManifest;
}

/**
 * A gzip tar of a stopped data folder, manifest first. Holding the folder's lock means
 * no server runs on it, so the files (PostgreSQL's cluster after a clean stop, the
 * stored objects, the keys) are consistent without any server-side coordination.
 */
export async function backupDataFolder(dataDir: string, file: string): Promise<BackupResult> {
  const target = resolve(file);
  if (!(await exists(dataDir))) throw new DocatError('NOT_FOUND', `no data folder at ${dataDir}`);
  if (target === dataDir || target.startsWith(dataDir + sep)) {
    throw new DocatError(
      'VALIDATION_FAILED',
      `the backup file must be outside the data folder ${dataDir}`,
    );
  }
  const lock = await lockDataFolder(dataDir);
  const manifestPath = join(dataDir, MANIFEST_NAME);
  try {
    const manifest: BackupManifest = {
      format: 'docat-backup/1',
      docatVersion: docatVersion(),
      createdAt: new Date().toISOString(),
      schemas: await readSchemaVersions(dataDir),
    };
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    const entries = (await readdir(dataDir))
      .filter((name) => name !== MANIFEST_NAME && !excluded(name))
      .sort();
    await tar.create(
      { gzip: true, file: target, cwd: dataDir, filter: (path) => !excluded(path) },
      [MANIFEST_NAME, ...entries],
    );
    return { file: target, bytes: (await stat(target)).size, manifest };
  } finally {
    await rm(manifestPath, { force: true });
    await lock.release();
  }
}

/** Reads and validates an archive's manifest without unpacking anything else. */
export async function readManifest(file: string): Promise<BackupManifest> {
  const scratch = await mkdtemp(join(tmpdir(), 'docat-restore-'));
  try {
    await tar
      .extract({
        file,
        cwd: scratch,
        filter: (path) => path.replace(/^\.\//, '') === MANIFEST_NAME,
      })
      .catch((err: unknown) => {
        throw new DocatError(
          'VALIDATION_FAILED',
          `${file} is not a readable backup archive: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
    const text = await readFile(join(scratch, MANIFEST_NAME), 'utf8').catch(() => {
      throw new DocatError(
        'VALIDATION_FAILED',
        `${file} has no ${MANIFEST_NAME}: not a Docat backup`,
      );
    });
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw new DocatError(
        'VALIDATION_FAILED',
        `${file} has an unreadable manifest: ${parsed.error.message}`,
      );
    return parsed.data;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).slice(0, 3).map(Number);
  const pb = b.split(/[.+-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** Why this version cannot open what the archive holds, or null when it can. */
export function newerThanThisVersion(manifest: BackupManifest): string | null {
  const current = docatVersion();
  if (compareVersions(manifest.docatVersion, current) > 0)
    return `the backup was made by Docat ${manifest.docatVersion}, newer than this ${current}`;
  const registry: Readonly<Record<string, readonly MigrationClass[]>> = MIGRATIONS;
  for (const [schema, recorded] of Object.entries(manifest.schemas)) {
    const known = (registry[schema] ?? []).map(migrationName);
    const codeVersion = known.reduce((max, name) => Math.max(max, migrationTimestamp(name)), 0);
    const unknown = recorded.migrations.filter((name) => !known.includes(name));
    if (unknown.length > 0)
      return `schema "${schema}" holds migrations this version does not know: ${unknown.join(', ')}`;
    if (recorded.version !== null && recorded.version > codeVersion)
      return `schema "${schema}" is at version ${recorded.version}, this version knows up to ${codeVersion}`;
  }
  return null;
}

export interface RestoreOptions {
  force?: boolean;
}

/**
 * Unpacks an archive into a data folder no process holds. Refuses a folder with
 * anything in it unless `force` (which empties it first), and an archive this version
 * could not open (see `newerThanThisVersion`).
 */
export async function restoreDataFolder(
  file: string,
  dataDir: string,
  opts: RestoreOptions = {},
): Promise<BackupManifest> {
  if (!(await exists(file))) throw new DocatError('NOT_FOUND', `no backup file at ${file}`);
  const manifest = await readManifest(file);
  const newer = newerThanThisVersion(manifest);
  if (newer) throw new DocatError('FORBIDDEN', `${newer}: restore it with that version of Docat`);
  const lock = await lockDataFolder(dataDir);
  try {
    const present = (await readdir(dataDir)).filter((name) => name !== LOCK_FILE);
    if (present.length > 0 && !opts.force) {
      throw new DocatError(
        'FORBIDDEN',
        `${dataDir} is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', ...' : ''}); pass --force to replace its contents`,
      );
    }
    for (const name of present) await rm(join(dataDir, name), { recursive: true, force: true });
    await tar.extract({
      file,
      cwd: dataDir,
      filter: (path) => {
        const name = relative('.', path);
        return name !== MANIFEST_NAME && !excluded(name);
      },
    });
    return manifest;
  } finally {
    await lock.release();
  }
}
