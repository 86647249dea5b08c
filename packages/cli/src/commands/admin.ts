import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { z } from 'zod';
import { DocatError, uuidv7 } from '@docat/contracts';
import { redactUrl } from '@docat/config';

/** The same argon2id parameters the auth service uses (OWASP baseline); the encoded hash records them anyway. */
const ARGON2 = {
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;
const MIN_PASSWORD = 12;

const emailSchema = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());

export interface AdminCreateOptions {
  email: string;
  /** Unset: a random password is generated and answered. */
  password?: string;
  /** Cluster mode (or standalone on an external PostgreSQL): the server's database. */
  databaseUrl?: string;
  /** Standalone mode: the server's data folder, used when there is no database URL. */
  dataDir?: string;
}

export interface AdminCreateResult {
  outcome: 'created' | 'promoted';
  email: string;
  /** Set when the password was generated: shown once. */
  generatedPassword?: string;
  target: string;
}

/**
 * Creates the first administrator, or makes an existing account one, directly in the
 * server's database: a closed installation has no one to invite anyone else. Against a
 * standalone data folder it holds the folder's lock (so it is refused while the server
 * runs) and migrates the folder as the server's start would; against a cluster database
 * it refuses a schema that still needs `npm run migrate`. Idempotent: run twice, the
 * second run promotes the account it created.
 */
export async function createAdmin(opts: AdminCreateOptions): Promise<AdminCreateResult> {
  const email = emailSchema.safeParse(opts.email);
  if (!email.success)
    throw new DocatError('VALIDATION_FAILED', `not an email address: ${opts.email}`);
  if (opts.password !== undefined && opts.password.length < MIN_PASSWORD) {
    throw new DocatError(
      'VALIDATION_FAILED',
      `the password must have at least ${MIN_PASSWORD} characters`,
    );
  }
  const generatedPassword =
    opts.password === undefined ? randomBytes(18).toString('base64url') : undefined;
  // The hashing and database libraries load only when an administrator is created: every
  // other command (`docat extract` above all) starts without them.
  const { Algorithm, hash } = await import('@node-rs/argon2');
  const passwordHash = await hash(opts.password ?? generatedPassword!, {
    ...ARGON2,
    algorithm: Algorithm.Argon2id,
  });
  // The database package is loaded by the commands that use it only: `docat extract` and
  // `docat translate` start without it.
  const {
    assertSchemasCurrent,
    EMBEDDED_DATABASE_NAME,
    EmbeddedDatabase,
    embeddedDatabaseDir,
    runAllMigrations,
  } = await import('@docat/database');
  const { lockDataFolder, serverDataDir } = await import('./data-folder-archive.js');

  if (opts.databaseUrl) {
    await assertSchemasCurrent(opts.databaseUrl);
    const outcome = await upsertAdmin(
      opts.databaseUrl,
      email.data,
      passwordHash,
      opts.password !== undefined,
    );
    return result(outcome, email.data, redactUrl(opts.databaseUrl), generatedPassword);
  }

  const dataDir = serverDataDir(opts.dataDir);
  const lock = await lockDataFolder(dataDir);
  try {
    const database = new EmbeddedDatabase({ dataDir: embeddedDatabaseDir(dataDir) });
    await database.start();
    try {
      const url = await database.ensureDatabase(EMBEDDED_DATABASE_NAME);
      await runAllMigrations(url);
      const outcome = await upsertAdmin(url, email.data, passwordHash, opts.password !== undefined);
      return result(outcome, email.data, dataDir, generatedPassword);
    } finally {
      await database.stop();
    }
  } finally {
    await lock.release();
  }
}

/** A generated password is answered only when it was set, that is for a new account. */
function result(
  outcome: 'created' | 'promoted',
  email: string,
  target: string,
  generatedPassword: string | undefined,
): AdminCreateResult {
  return {
    outcome,
    email,
    target,
    ...(outcome === 'created' && generatedPassword ? { generatedPassword } : {}),
  };
}

/**
 * An existing account keeps its password unless one was given; given one replaces it
 * and ends the account's sessions (this is also the way back in for a locked-out admin).
 */
async function upsertAdmin(
  url: string,
  email: string,
  passwordHash: string,
  replacePassword: boolean,
): Promise<'created' | 'promoted'> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, application_name: 'docat-cli' });
  await client.connect();
  try {
    await client.query('BEGIN');
    const existing = await client.query<{ id: string }>(
      `SELECT id FROM auth.users WHERE lower(email) = lower($1) FOR UPDATE`,
      [email],
    );
    let outcome: 'created' | 'promoted';
    if (existing.rows[0]) {
      const id = existing.rows[0].id;
      await client.query(
        `UPDATE auth.users SET role = 'admin', disabled_at = NULL, email_verified_at = coalesce(email_verified_at, now()), updated_at = now() WHERE id = $1`,
        [id],
      );
      if (replacePassword) {
        await client.query(
          `UPDATE auth.users SET password_hash = $2, tokens_revoked_at = now() WHERE id = $1`,
          [id, passwordHash],
        );
        await client.query(
          `UPDATE auth.sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`,
          [id],
        );
        await client.query(
          `UPDATE auth.refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`,
          [id],
        );
      }
      outcome = 'promoted';
    } else {
      await client.query(
        `INSERT INTO auth.users (id, email, password_hash, role, plan, email_verified_at) VALUES ($1, $2, $3, 'admin', 'free', now())`,
        [uuidv7(), email, passwordHash],
      );
      outcome = 'created';
    }
    await client.query('COMMIT');
    return outcome;
  } catch (err) {
    // The command already failed with `err`, rethrown below; a failed rollback ends with the connection.
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

async function readStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  // One trailing newline (echo, a here-string) is not part of the password.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

interface CreateFlags {
  email: string;
  passwordStdin?: boolean;
  databaseUrl?: string;
  dataDir?: string;
}

export function adminCommand(): Command {
  const admin = new Command('admin').description(
    "Manage a server's administrators directly in its database",
  );
  admin.addCommand(
    new Command('create')
      .description('Create an administrator account (or make an existing account one)')
      .requiredOption('--email <email>', "the administrator's email address")
      .option(
        '--password-stdin',
        'read the password from standard input (otherwise one is generated and printed once)',
      )
      .option(
        '--database-url <url>',
        "the server's PostgreSQL (default: DATABASE_URL); cluster mode",
      )
      .option(
        '--data-dir <dir>',
        "a stopped standalone server's data folder (default: DOCAT_DATA_DIR, else ./data), used without a database URL",
      )
      .addHelpText(
        'after',
        '\nExamples:\n  echo "$ADMIN_PASSWORD" | docat admin create --email admin@example.com --password-stdin\n  DATABASE_URL=postgres://... docat admin create --email admin@example.com\n\nAgainst a data folder it is refused while a server runs on it: stop the server first.',
      )
      .action(async (flags: CreateFlags) => {
        const password = flags.passwordStdin ? await readStdin() : undefined;
        const databaseUrl = flags.databaseUrl ?? (process.env.DATABASE_URL || undefined);
        const result = await createAdmin({
          email: flags.email,
          ...(password !== undefined ? { password } : {}),
          ...(databaseUrl ? { databaseUrl } : {}),
          ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
        });
        process.stdout.write(
          `${result.outcome === 'created' ? 'created' : 'made administrator'} ${result.email} in ${result.target}\n`,
        );
        if (result.generatedPassword)
          process.stdout.write(`password (shown once): ${result.generatedPassword}\n`);
        else if (result.outcome === 'promoted' && password === undefined)
          process.stdout.write('the account keeps its password\n');
      }),
  );
  return admin;
}
