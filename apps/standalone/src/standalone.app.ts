import 'reflect-metadata';
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, stat } from 'node:fs/promises';
import type { INestApplication } from '@nestjs/common';
import type { DocatConfig } from '@docat/config';
import { QUEUE_NAMES, SERVICES } from '@docat/contracts';
import { metricsText } from '@docat/observability';
import { AUTH_PATTERNS, AuthModule } from '@docat/auth';
import { EXTRACTION_CLAIMS, ExtractionModule } from '@docat/extraction';
import { GATEWAY_EVENTS, GatewayModule, gatewayHttpOptions } from '@docat/gateway';
import { INGESTION_CLAIMS, IngestionModule } from '@docat/ingestion';
import { NOTIFICATION_CLAIMS, NotificationModule } from '@docat/notification';
import { TRANSLATION_CLAIMS, TranslationModule } from '@docat/translation';
import {
  bootstrapService,
  collectQueueMetrics,
  createStandaloneRuntime,
  startManagementServer,
  type BootstrapOptions,
  type RunningService,
  type Runtime,
} from '@docat/service-kit';
import { EmbeddedDatabase, runAllMigrations } from '@docat/database';
import { acquireDataFolderLock, type DataFolderLock } from './data-folder.lock.js';
import { EMBEDDED_DATABASE_NAME, embeddedDatabaseDir } from './database-location.js';

export interface StandaloneOptions {
  config: DocatConfig;
  /** How long in-flight queue work may run after SIGTERM before it is handed back. */
  shutdownGraceMs?: number;
  log?: (line: string) => void;
}

export interface StandaloneApp {
  readonly port: number;
  readonly databaseUrl: string;
  /** Orphaned queue jobs put back at boot. */
  readonly recoveredJobs: number;
  /** Drain (stop taking work, let in-flight work finish), close every module, stop PostgreSQL, release the lock. */
  shutdown(reason?: string): Promise<void>;
}

type WorkerSpec = Pick<BootstrapOptions, 'service' | 'module' | 'claims'>;

/** The five services behind the gateway, each with the claims its own process checks at boot. */
function workerServices(): WorkerSpec[] {
  return [
    { service: SERVICES.AUTH, module: AuthModule.register(), claims: { patterns: AUTH_PATTERNS } },
    {
      service: SERVICES.NOTIFICATION,
      module: NotificationModule.register(),
      claims: NOTIFICATION_CLAIMS,
    },
    { service: SERVICES.INGESTION, module: IngestionModule.register(), claims: INGESTION_CLAIMS },
    {
      service: SERVICES.EXTRACTION,
      module: ExtractionModule.register(),
      claims: EXTRACTION_CLAIMS,
    },
    {
      service: SERVICES.TRANSLATION,
      module: TranslationModule.register(),
      claims: TRANSLATION_CLAIMS,
    },
  ];
}

/**
 * Every module shares the one runtime; each would close it when it stops, so each gets
 * a view whose `close` does nothing and the process closes the real one once, last.
 */
function sharedView(runtime: Runtime): Runtime {
  return { ...runtime, close: () => Promise.resolve() };
}

/**
 * Standalone mode: the whole platform in one process on one data folder. Each module
 * is its own Nest application in this process, exactly as it is its own process in
 * cluster mode: the gateway is the one HTTP application (its Fastify server also
 * answers `/healthz` and `/readyz`), the others are microservices on the in-process
 * transport. Keeping them separate keeps each module's handlers on its own service's
 * transport server, as the bus routes by service.
 */
export async function startStandalone(opts: StandaloneOptions): Promise<StandaloneApp> {
  const { config } = opts;
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (config.mode !== 'standalone')
    throw new Error('the standalone process needs DOCAT_MODE=standalone (the default)');

  // Uploads, results, the database and the generated keys are the service user's only:
  // the folder is made 0700, and one made earlier (by hand, or an older version) loses
  // every read and write bit of group and others. Run as root, the embedded database
  // adds the search bit for others (the `postgres` user must pass through; it lists and
  // reads nothing): that one bit is left alone here.
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const { mode } = await stat(config.dataDir);
  if ((mode & 0o076) !== 0) await chmod(config.dataDir, (mode & 0o700) | (mode & 0o001));
  const lock: DataFolderLock = await acquireDataFolderLock(config.dataDir);
  if (lock.takenOverFrom !== null)
    log(
      `took over the data-folder lock of process ${lock.takenOverFrom}, which is no longer running`,
    );
  const database = config.database.url
    ? null
    : new EmbeddedDatabase({ dataDir: embeddedDatabaseDir(config.dataDir) });
  const running: RunningService[] = [];
  let runtime: Runtime | undefined;
  try {
    let databaseUrl = config.database.url ?? '';
    if (database) {
      await database.start();
      databaseUrl = await database.ensureDatabase(EMBEDDED_DATABASE_NAME);
      if (database.stoppedOrphan !== null)
        log(
          `stopped PostgreSQL (pid ${database.stoppedOrphan}) left running by an earlier process`,
        );
    }
    // Every schema at once, before any module opens one (some open theirs only on first
    // use): a folder from an older version is upgraded at start, and one migrated by a
    // newer version is refused before anything touches it.
    await runAllMigrations(databaseUrl, { log: (line) => log(`migrated ${line}`) });
    const standalone = await createStandaloneRuntime(config, {
      databaseUrl,
      ...(database ? { closers: [() => database.stop()] } : {}),
    });
    runtime = standalone;
    if (standalone.recoveredJobs > 0)
      log(
        `put back ${standalone.recoveredJobs} queue job(s) left unfinished by an earlier process`,
      );
    const shared = sharedView(standalone);

    const common = {
      runtime: shared,
      managementPort: null,
      exitOnShutdown: false,
      shutdownGraceMs: opts.shutdownGraceMs ?? 10_000,
    } as const;
    for (const spec of workerServices())
      running.push(await bootstrapService({ ...spec, ...common }));

    let accepting = true;
    const gatewayHttp = gatewayHttpOptions(config);
    const gateway = await bootstrapService({
      ...common,
      service: SERVICES.GATEWAY,
      module: GatewayModule.register(),
      // The gateway answers no RPC; it listens only for auth's revocation broadcasts.
      claims: { patterns: GATEWAY_EVENTS },
      http: {
        adapter: gatewayHttp.adapter,
        port: config.http.port,
        configure: async (app: INestApplication, rt: Runtime) => {
          await gatewayHttp.configure?.(app, rt);
          addHealthRoutes(
            app,
            standalone,
            () => accepting,
            config.http.managementPortSet ? undefined : config.http.metricsToken,
          );
        },
      },
    });
    running.push(gateway);
    const collect = () => collectQueueMetrics(standalone.queue, QUEUE_NAMES).then(() => undefined);
    const management = config.http.managementPortSet
      ? await startManagementServer({
          service: 'standalone',
          port: config.http.managementPort,
          readiness: () => standalone.readiness(),
          accepting: () => accepting,
          collect,
        })
      : null;
    if (management)
      log(`metrics on the management port ${management.port}, not on the public port`);
    else if (!config.http.metricsToken)
      log(
        'metrics are not served: set MANAGEMENT_PORT (a port kept private) or METRICS_TOKEN to serve /metrics',
      );
    process.title = 'docat';

    let closing: Promise<void> | undefined;
    const shutdown = (reason = 'shutdown'): Promise<void> => {
      closing ??= (async () => {
        accepting = false;
        log(`stopping (${reason})`);
        // The gateway first (no new requests), then the workers after the queue drained.
        for (const service of [...running].reverse())
          await service
            .shutdown(reason)
            .catch((err: unknown) => log(`stop failed: ${String(err)}`));
        await management?.close();
        await standalone
          .close()
          .catch((err: unknown) => log(`closing the runtime failed: ${String(err)}`));
        await lock.release();
      })();
      return closing;
    };
    return {
      port: gateway.httpPort ?? config.http.port,
      databaseUrl,
      recoveredJobs: standalone.recoveredJobs,
      shutdown,
    };
  } catch (err) {
    // Boot already failed with `err`, rethrown below; a second failure while unwinding would hide it.
    for (const service of running.reverse())
      await service.shutdown('boot failed').catch(() => undefined);
    if (runtime) await runtime.close().catch(() => undefined);
    else await database?.stop().catch(() => undefined);
    await lock.release();
    throw err;
  }
}

interface FastifyLike {
  get(
    path: string,
    handler: (request: unknown, reply: FastifyReplyLike) => Promise<unknown> | unknown,
  ): unknown;
}
interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(body: unknown): unknown;
}

/**
 * `/healthz`: the process answers; `/readyz`: the database, queue and storage answer and
 * it is not draining. `/metrics` is on the public port only with `metricsToken` (and
 * then only for requests bearing it): the metrics name queues, routes and volumes an
 * outsider has no business reading. With MANAGEMENT_PORT set it is served there instead.
 */
function addHealthRoutes(
  app: INestApplication,
  runtime: Runtime,
  accepting: () => boolean,
  metricsToken: string | undefined,
): void {
  const instance = app.getHttpAdapter().getInstance() as FastifyLike;
  instance.get('/healthz', (_request, reply) =>
    reply
      .header('cache-control', 'no-store')
      .send({ status: 'ok', service: 'standalone', pid: process.pid }),
  );
  instance.get('/readyz', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    if (!accepting())
      return reply.code(503).send({ status: 'draining', service: 'standalone', checks: {} });
    const report = await runtime.readiness();
    return reply.code(report.ready ? 200 : 503).send({
      status: report.ready ? 'ok' : 'unavailable',
      service: 'standalone',
      checks: report.checks,
    });
  });
  if (metricsToken === undefined) return;
  const expected = createHash('sha256').update(metricsToken).digest();
  instance.get('/metrics', async (request, reply) => {
    const header = (request as { headers: Record<string, string | string[] | undefined> }).headers
      .authorization;
    const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
    // Digests of equal length, compared in constant time: the answer's timing says nothing about the token.
    if (!timingSafeEqual(createHash('sha256').update(given).digest(), expected)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .header('content-type', 'application/problem+json')
        .send(
          JSON.stringify({
            type: 'https://docat.dev/problems/unauthenticated',
            title: 'Authentication is required',
            status: 401,
            code: 'UNAUTHENTICATED',
          }),
        );
    }
    // A scrape answers with the metrics it has rather than failing because one reading did.
    await collectQueueMetrics(runtime.queue, QUEUE_NAMES).catch(() => undefined);
    const { body, contentType } = await metricsText();
    return reply.header('cache-control', 'no-store').header('content-type', contentType).send(body);
  });
}
