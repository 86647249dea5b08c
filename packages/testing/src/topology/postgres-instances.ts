import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import {
  createCertificateAuthority,
  issueCertificate,
  type CertificateAuthority,
} from './certificates.js';
import { unusedPort, ServerProcess, tempDir, waitUntil } from './processes.js';

const PG_USER = 'postgres';

/** The folder of PostgreSQL's server binaries (initdb, postgres, pg_basebackup), newest major first. */
export function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(base, majors[0], 'bin') : undefined;
}

/** initdb refuses root: as root, the server runs as the `postgres` OS user (setpriv). */
function asServerUser(command: string, args: string[]): [string, string[]] {
  if (userInfo().uid !== 0) return [command, args];
  return [
    'setpriv',
    ['--reuid', PG_USER, '--regid', PG_USER, '--init-groups', '--', command, ...args],
  ];
}

function osUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string): number =>
    Number(spawnSync('id', [flag, PG_USER], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

function run(bin: string, command: string, args: string[]): void {
  const [cmd, full] = asServerUser(join(bin, command), args);
  const done = spawnSync(cmd, full, { encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`${command} failed: ${done.stderr || done.stdout}`);
}

/** Whether a throwaway PostgreSQL can be started here (binaries, and setpriv when root). */
export function canStartPostgres(): boolean {
  const bin = postgresBinDir();
  if (!bin) return false;
  if (userInfo().uid !== 0) return true;
  return (
    spawnSync('id', ['-u', PG_USER]).status === 0 &&
    spawnSync('sh', ['-c', 'command -v setpriv']).status === 0
  );
}

export interface PostgresInstance {
  port: number;
  /**
   * Superuser `postgres` (trust from loopback). `host` defaults to 127.0.0.1; the server
   * also listens on 127.0.0.2, an address its TLS certificate does not name.
   */
  url(database?: string, query?: string, host?: string): string;
  dataDir: string;
  /** Present when started with TLS: the CA that signed the server certificate, and a stranger CA. */
  tls?: { caFile: string; otherCaFile: string };
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** ssl=on with a server certificate for 127.0.0.1 and localhost, signed by a CA made here. */
  tls?: boolean;
  /** Start as a streaming replica of this primary (pg_basebackup -R) instead of initdb. */
  replicaOf?: PostgresInstance;
}

/**
 * A throwaway PostgreSQL cluster in a temporary folder on a free port: initdb (or
 * pg_basebackup from a primary), `postgres -D ... -p ...`, stopped and removed by `stop`.
 */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<PostgresInstance> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
  const dir = await tempDir('postgres');
  const owner = osUser();
  if (owner) chownSync(dir.path, owner.uid, owner.gid);
  const dataDir = join(dir.path, 'data');
  const socketDir = dir.path;
  let server: ServerProcess | undefined;
  const stop = async (): Promise<void> => {
    // SIGINT: fast shutdown (disconnect clients, no waiting).
    await server?.stop('SIGINT', 10_000);
    await dir.remove();
  };
  try {
    const port = await unusedPort();
    if (opts.replicaOf) {
      run(bin, 'pg_basebackup', [
        '-h',
        '127.0.0.1',
        '-p',
        String(opts.replicaOf.port),
        '-U',
        PG_USER,
        '-D',
        dataDir,
        '-R',
        '-X',
        'stream',
        '--checkpoint=fast',
      ]);
    } else {
      run(bin, 'initdb', [
        '-D',
        dataDir,
        '-U',
        PG_USER,
        '--auth=trust',
        '--no-sync',
        '-E',
        'UTF8',
        '--locale=C',
      ]);
      writeFileSync(
        join(dataDir, 'pg_hba.conf'),
        [
          'local all all trust',
          'host all all 127.0.0.0/8 trust',
          'host replication all 127.0.0.0/8 trust',
        ].join('\n') + '\n',
      );
    }
    let tls: PostgresInstance['tls'];
    const args = [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1,127.0.0.2',
      '-c',
      `unix_socket_directories=${socketDir}`,
      '-c',
      'fsync=off',
      '-c',
      'max_connections=50',
      '-c',
      'wal_level=replica',
      '-c',
      'max_wal_senders=4',
    ];
    if (opts.tls) {
      const certDir = join(dir.path, 'certs');
      spawnSync('mkdir', ['-p', certDir]);
      const ca: CertificateAuthority = createCertificateAuthority(certDir, 'docat-pg-ca');
      const other = createCertificateAuthority(certDir, 'other-pg-ca');
      const cert = issueCertificate(ca, certDir, 'postgres-server', {
        dns: ['localhost'],
        ips: ['127.0.0.1'],
      });
      // The server insists on a key readable only by its owner.
      const keyFile = join(dataDir, 'server.key');
      const certFile = join(dataDir, 'server.crt');
      copyFileSync(cert.keyFile, keyFile);
      copyFileSync(cert.certFile, certFile);
      chmodSync(keyFile, 0o600);
      if (owner) for (const f of [keyFile, certFile]) chownSync(f, owner.uid, owner.gid);
      args.push('-c', 'ssl=on', '-c', `ssl_cert_file=${certFile}`, '-c', `ssl_key_file=${keyFile}`);
      tls = { caFile: ca.certFile, otherCaFile: other.certFile };
    }
    const [cmd, full] = asServerUser(join(bin, 'postgres'), args);
    server = new ServerProcess(`postgres-${port}`, cmd, full);
    const started = server;
    await waitUntil(
      () => {
        if (started.exited) throw new Error('exited');
        return (
          spawnSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]).status === 0
        );
      },
      20_000,
      `postgres on ${port}`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${started.log}`);
    });
    return {
      port,
      dataDir,
      ...(tls ? { tls } : {}),
      url: (database = 'postgres', query = '', host = '127.0.0.1') =>
        `postgres://${PG_USER}@${host}:${port}/${database}${query ? `?${query}` : ''}`,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
