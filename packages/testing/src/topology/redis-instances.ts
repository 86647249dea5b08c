import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createCertificateAuthority,
  issueCertificate,
  type CertificateAuthority,
  type IssuedCertificate,
} from './certificates.js';
import { unusedPort, ServerProcess, tempDir, waitUntil } from './processes.js';

/** Runs `redis-cli` against a local port and returns its trimmed output. */
export function redisCli(port: number, ...args: string[]): string {
  const run = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    encoding: 'utf8',
  });
  return `${run.stdout}${run.stderr}`.trim();
}

/** Options every throwaway server shares: loopback only, no persistence, no protected mode. */
function baseArgs(dir: string, port: number): string[] {
  return [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'no',
  ];
}

async function startServer(
  name: string,
  args: string[],
  ready: () => boolean,
): Promise<ServerProcess> {
  const server = new ServerProcess(name, 'redis-server', args);
  try {
    await waitUntil(
      () => {
        if (server.exited) throw new Error('exited');
        return ready();
      },
      10_000,
      `${name} to start`,
    );
  } catch (err) {
    await server.stop('SIGKILL');
    throw new Error(`${name} did not start: ${(err as Error).message}\n${server.log}`, {
      cause: err,
    });
  }
  return server;
}

export interface RedisClusterInstance {
  /** Ports of the three masters (slots split evenly). */
  ports: number[];
  nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/** Three empty masters on free ports, joined into a Redis Cluster with `redis-cli --cluster create`. */
export async function startRedisCluster(): Promise<RedisClusterInstance> {
  const dir = await tempDir('redis-cluster');
  const servers: ServerProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
    await dir.remove();
  };
  try {
    const ports = [await unusedPort(), await unusedPort(), await unusedPort()];
    for (const port of ports)
      servers.push(
        await startServer(
          `redis-cluster-${port}`,
          [
            ...baseArgs(dir.path, port),
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir.path, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            '2000',
          ],
          () => redisCli(port, 'PING') === 'PONG',
        ),
      );
    const created = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8' },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await waitUntil(
      () => ports.every((p) => redisCli(p, 'CLUSTER', 'INFO').includes('cluster_state:ok')),
      20_000,
      'cluster_state:ok on every node',
    );
    return { ports, nodes: ports.map((port) => ({ host: '127.0.0.1', port })), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface RedisSentinelGroup {
  masterName: string;
  sentinels: { host: string; port: number }[];
  /** The port of the current master, as the Sentinels report it. */
  masterPort(): number;
  /** The ports of the original master and replica. */
  dataPorts: number[];
  /** Asks a Sentinel to fail over and waits until the other server is the master everywhere. */
  failover(): Promise<{ from: number; to: number }>;
  stop(): Promise<void>;
}

/**
 * A master, one replica and three Sentinels (quorum 2) on free ports. The master
 * refuses writes while no replica is attached (`min-replicas-to-write 1`), so a write
 * it accepts has reached the replica's link and a failover does not silently drop it.
 */
export async function startRedisSentinelGroup(
  masterName = 'docat-test',
): Promise<RedisSentinelGroup> {
  const dir = await tempDir('redis-sentinel');
  const servers: ServerProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
    await dir.remove();
  };
  try {
    const [masterPort, replicaPort] = [await unusedPort(), await unusedPort()];
    const safety = ['--min-replicas-to-write', '1', '--min-replicas-max-lag', '5'];
    servers.push(
      await startServer(
        'redis-master',
        [...baseArgs(dir.path, masterPort), '--dbfilename', 'master.rdb', ...safety],
        () => redisCli(masterPort, 'PING') === 'PONG',
      ),
    );
    servers.push(
      await startServer(
        'redis-replica',
        [
          ...baseArgs(dir.path, replicaPort),
          '--dbfilename',
          'replica.rdb',
          '--replicaof',
          '127.0.0.1',
          String(masterPort),
          ...safety,
        ],
        () => redisCli(replicaPort, 'INFO', 'replication').includes('master_link_status:up'),
      ),
    );
    const sentinelPorts = [await unusedPort(), await unusedPort(), await unusedPort()];
    for (const port of sentinelPorts) {
      const conf = join(dir.path, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `dir ${dir.path}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 4000`,
          `sentinel parallel-syncs ${masterName} 1`,
        ].join('\n') + '\n',
      );
      servers.push(
        await startServer(
          `redis-sentinel-${port}`,
          [conf, '--sentinel'],
          () => redisCli(port, 'PING') === 'PONG',
        ),
      );
    }
    const masterPortFrom = (sentinel: number): number =>
      Number(redisCli(sentinel, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName).split('\n')[1]);
    // Every Sentinel must know the replica and the other Sentinels before a failover can be agreed.
    await waitUntil(
      () =>
        sentinelPorts.every((p) => {
          const info = redisCli(p, 'SENTINEL', 'MASTER', masterName).split('\n');
          const field = (name: string): string => info[info.indexOf(name) + 1] ?? '';
          return field('num-slaves') === '1' && field('num-other-sentinels') === '2';
        }),
      20_000,
      'the Sentinels to discover the replica and each other',
    );
    const group: RedisSentinelGroup = {
      masterName,
      sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
      dataPorts: [masterPort, replicaPort],
      masterPort: () => masterPortFrom(sentinelPorts[0]!),
      async failover() {
        const from = masterPortFrom(sentinelPorts[0]!);
        const to = from === masterPort ? replicaPort : masterPort;
        const reply = redisCli(sentinelPorts[0]!, 'SENTINEL', 'FAILOVER', masterName);
        if (reply !== 'OK') throw new Error(`SENTINEL FAILOVER answered ${reply}`);
        await waitUntil(
          () =>
            sentinelPorts.every((p) => masterPortFrom(p) === to) &&
            redisCli(to, 'ROLE').startsWith('master') &&
            redisCli(from, 'INFO', 'replication').includes('master_link_status:up'),
          30_000,
          `the failover from ${from} to ${to}`,
        );
        return { from, to };
      },
      stop,
    };
    return group;
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface RedisTlsInstance {
  port: number;
  /** `rediss://127.0.0.1:<port>`. */
  url: string;
  ca: CertificateAuthority;
  /** A client certificate from `ca` (the server requires one). */
  client: IssuedCertificate;
  /** A second CA that signed nothing the server trusts or presents. */
  otherCa: CertificateAuthority;
  /** A client certificate from `otherCa`. */
  otherClient: IssuedCertificate;
  stop(): Promise<void>;
}

/**
 * Redis over TLS only (`--port 0`): a CA and a server certificate for 127.0.0.1 and
 * localhost made in a temporary folder, client certificates required.
 */
export async function startRedisTls(): Promise<RedisTlsInstance> {
  const dir = await tempDir('redis-tls');
  let server: ServerProcess | undefined;
  const stop = async (): Promise<void> => {
    await server?.stop();
    await dir.remove();
  };
  try {
    const ca = createCertificateAuthority(dir.path, 'docat-test-ca');
    const otherCa = createCertificateAuthority(dir.path, 'other-ca');
    const serverCert = issueCertificate(ca, dir.path, 'redis-server', {
      dns: ['localhost'],
      ips: ['127.0.0.1'],
    });
    const client = issueCertificate(ca, dir.path, 'redis-client', { dns: ['docat-client'] });
    const otherClient = issueCertificate(otherCa, dir.path, 'other-client', {
      dns: ['docat-client'],
    });
    const port = await unusedPort();
    const tlsArgs = [
      '--tls-cert-file',
      serverCert.certFile,
      '--tls-key-file',
      serverCert.keyFile,
      '--tls-ca-cert-file',
      ca.certFile,
    ];
    server = await startServer(
      'redis-tls',
      [
        ...baseArgs(dir.path, 0),
        '--tls-port',
        String(port),
        ...tlsArgs,
        '--tls-auth-clients',
        'yes',
      ],
      () =>
        spawnSync(
          'redis-cli',
          [
            '-h',
            '127.0.0.1',
            '-p',
            String(port),
            '--tls',
            '--cacert',
            ca.certFile,
            '--cert',
            client.certFile,
            '--key',
            client.keyFile,
            'PING',
          ],
          { encoding: 'utf8' },
        ).stdout.trim() === 'PONG',
    );
    return { port, url: `rediss://127.0.0.1:${port}`, ca, client, otherCa, otherClient, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
