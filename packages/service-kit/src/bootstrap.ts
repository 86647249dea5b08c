import 'reflect-metadata';
import {
  Logger,
  Module,
  type DynamicModule,
  type INestApplication,
  type INestMicroservice,
  type Type,
} from '@nestjs/common';
import { NestFactory, type AbstractHttpAdapter } from '@nestjs/core';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import type { QueueName, ServiceName } from '@docat/contracts';
import { DocatRpcExceptionFilter } from './errors/rpc-exception.filter.js';
import { collectQueueMetrics } from './health/queue-metrics.js';
import { startManagementServer, type ManagementServer } from './health/management.server.js';
import { setupLogging, type LogLevel } from './logging/logger.js';
import { logHttpRequests, sampledRequestLevel } from './logging/request-log.js';
import { traceHttpRequests } from './tracing/http-tracing.js';
import { startTracing } from './tracing/tracing.js';
import type { Runtime } from './runtime.js';
import { RuntimeModule } from './runtime.module.js';

export type ServiceModule = DynamicModule | Type<unknown>;

export interface HttpOptions {
  /** The platform adapter, e.g. `() => new FastifyAdapter()`; the kit does not pick a platform. */
  adapter: () => AbstractHttpAdapter;
  /** Default: `config.http.port`. */
  port?: number;
  host?: string;
  /** Runs before listening: filters, hooks, plugins. */
  configure?(app: INestApplication, runtime: Runtime): void | Promise<void>;
}

export interface BootstrapOptions {
  service: ServiceName;
  /** The app's root module; the runtime's tokens are injectable in it (global). */
  module: ServiceModule;
  /** The runtime to run on; cluster or standalone is decided by whoever builds it. */
  runtime: Runtime | (() => Promise<Runtime>);
  /** Public HTTP (the gateway). Without it the service has only its management port. */
  http?: HttpOptions;
  /** Serve RPC and events over the runtime's transport (default true). */
  transport?: boolean;
  /** Patterns and queues the service claims: boot fails when one has no handler. */
  claims?: { patterns?: readonly string[]; queues?: readonly QueueName[] };
  /** Management port (`/healthz`, `/readyz`, `/metrics`); default `config.http.managementPort`, null for none, 0 for any. */
  managementPort?: number | null;
  /** How long in-flight work may run after SIGTERM before it is handed back. */
  shutdownGraceMs?: number;
  /** Exit the process once shut down (default true; tests set false). */
  exitOnShutdown?: boolean;
}

export interface RunningService {
  runtime: Runtime;
  app: INestApplication | INestMicroservice;
  management: ManagementServer | null;
  /** The bound public HTTP port, when there is one. */
  httpPort: number | null;
  shutdown(reason?: string): Promise<void>;
}

@Module({})
class ServiceRootModule {}

function handlersOf(strategy: CustomTransportStrategy): ReadonlySet<string> | null {
  const candidate = strategy as Partial<{ getHandlers(): Map<string, unknown> }>;
  return typeof candidate.getHandlers === 'function'
    ? new Set(candidate.getHandlers().keys())
    : null;
}

/** Fails fast when a claimed pattern or queue has no handler: a missing handler would strand work silently. */
export function checkClaims(
  service: string,
  claims: BootstrapOptions['claims'],
  handlers: ReadonlySet<string> | null,
  worked: ReadonlySet<QueueName>,
): void {
  const missing: string[] = [];
  if (handlers)
    for (const pattern of claims?.patterns ?? [])
      if (!handlers.has(pattern)) missing.push(`pattern ${pattern}`);
  for (const queue of claims?.queues ?? []) if (!worked.has(queue)) missing.push(`queue ${queue}`);
  if (missing.length > 0) throw new Error(`${service}: no handler for ${missing.join(', ')}`);
}

/**
 * Boots one Docat service: sets `process.title`, builds the Nest application on the
 * runtime's adapters, serves RPC/events through the runtime's transport, checks its
 * claims, opens the management port and installs the SIGTERM drain: stop taking work,
 * let in-flight work finish (or hand it back after the grace period), close, exit.
 */
export async function bootstrapService(opts: BootstrapOptions): Promise<RunningService> {
  process.title = `docat-${opts.service}`;
  const runtime = typeof opts.runtime === 'function' ? await opts.runtime() : opts.runtime;
  // One process, one logger and one tracer: standalone mode calls this once per module.
  const standalone = runtime.config.mode === 'standalone';
  const tracing = await startTracing({
    serviceName: standalone ? 'docat' : `docat-${opts.service}`,
  });
  const logging = setupLogging({
    service: standalone ? 'standalone' : opts.service,
    level: runtime.config.logLevel ?? logLevelFromEnv(),
  });
  Logger.overrideLogger(logging.nest);
  const logger = logging.root.child({ context: opts.service });
  const imports = [RuntimeModule.forRoot(runtime), opts.module];
  const root: DynamicModule = { module: ServiceRootModule, imports };
  const useTransport = opts.transport ?? true;
  const strategy = useTransport ? runtime.transportStrategy(opts.service) : null;

  let app: INestApplication | INestMicroservice | undefined;
  let httpPort: number | null = null;
  try {
    if (opts.http) {
      const http = await NestFactory.create(root, opts.http.adapter(), {
        logger: logging.nest,
        abortOnError: false,
      });
      app = http;
      traceHttpRequests(http.getHttpAdapter().getInstance(), { recording: tracing.exporting });
      logHttpRequests(
        http.getHttpAdapter().getInstance(),
        logging.root,
        sampledRequestLevel(runtime.config.logReadSample ?? 0),
      );
      if (strategy) {
        // Deferred, so the filter is registered before the listeners that capture it
        // (Nest warns "Cannot apply global exception filters" and ignores it otherwise).
        // The application's init runs the lifecycle hooks; the microservice must not again.
        const micro = http.connectMicroservice(
          { strategy },
          { inheritAppConfig: false, deferInitialization: true },
        );
        micro.useGlobalFilters(new DocatRpcExceptionFilter());
        (micro as unknown as { setIsInitHookCalled(called: boolean): void }).setIsInitHookCalled(
          true,
        );
      }
      await opts.http.configure?.(http, runtime);
      // No enableShutdownHooks(): Nest would close this app on a signal and re-send it,
      // killing the process mid-drain. The kit's own shutdown closes the app (running
      // its lifecycle hooks) after the queues drained, then exits 0.
      await http.init();
      if (strategy) await http.startAllMicroservices();
      await http.listen(opts.http.port ?? runtime.config.http.port, opts.http.host ?? '0.0.0.0');
      const address = http.getHttpServer().address() as { port: number } | string | null;
      httpPort = address && typeof address === 'object' ? address.port : null;
      app = http;
    } else if (strategy) {
      const micro = await NestFactory.createMicroservice(root, {
        strategy,
        logger: logging.nest,
        abortOnError: false,
      });
      micro.useGlobalFilters(new DocatRpcExceptionFilter());
      app = micro;
      await micro.listen();
    } else {
      const context = await NestFactory.createApplicationContext(root, {
        logger: logging.nest,
        abortOnError: false,
      });
      await context.init();
      app = context as unknown as INestMicroservice;
    }
    checkClaims(
      opts.service,
      opts.claims,
      strategy ? handlersOf(strategy) : null,
      runtime.workedQueues(),
    );
  } catch (err) {
    // Start-up already failed with `err`, rethrown below; a failure while unwinding would hide it.
    await app?.close().catch(() => undefined);
    await runtime.close().catch(() => undefined);
    throw err;
  }
  const started = app;

  let accepting = true;
  const managementPort =
    opts.managementPort === undefined ? runtime.config.http.managementPort : opts.managementPort;
  const management =
    managementPort === null
      ? null
      : await startManagementServer({
          service: opts.service,
          port: managementPort,
          readiness: () => runtime.readiness(),
          accepting: () => accepting,
          collect: () => collectQueueMetrics(runtime.queue, runtime.workedQueues()),
        });

  let closing: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown'): Promise<void> => {
    closing ??= (async () => {
      accepting = false;
      logger.info(`stopping (${reason})`);
      const graceMs = opts.shutdownGraceMs ?? 10_000;
      // Which step is running, so a shutdown that overruns says where it hung.
      let step = 'queue drain';
      const hardStop = setTimeout(() => {
        logger.error(`shutdown exceeded ${graceMs + 5_000} ms during ${step}; exiting`);
        process.exit(1);
      }, graceMs + 5_000);
      hardStop.unref();
      try {
        await runtime.queue.stop({ graceMs });
        step = 'application close';
        await started.close();
        step = 'runtime close';
        await runtime.close();
        step = 'management server close';
        await management?.close();
        step = 'trace export';
        await tracing.flush();
      } catch (err) {
        logger.error(
          `shutdown failed during ${step}: ${err instanceof Error ? err.message : String(err)}`,
        );
      } finally {
        clearTimeout(hardStop);
      }
      if (opts.exitOnShutdown ?? true) process.exit(0);
    })();
    return closing;
  };
  if (opts.exitOnShutdown ?? true) {
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
  }
  logger.info(
    `ready (pid ${process.pid}${httpPort ? `, http ${httpPort}` : ''}${management ? `, management ${management.port}` : ''})`,
  );
  return { runtime, app: started, management, httpPort, shutdown };
}

const LOG_LEVELS: readonly LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
];

/** `LOG_LEVEL` for runtimes built without the full configuration (tests); default info. */
function logLevelFromEnv(): LogLevel {
  const value = process.env.LOG_LEVEL?.trim().toLowerCase();
  return LOG_LEVELS.find((level) => level === value) ?? 'info';
}
