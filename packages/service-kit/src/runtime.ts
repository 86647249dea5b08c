import type { CustomTransportStrategy } from '@nestjs/microservices';
import type { MigrationInterface, DataSource } from 'typeorm';
import type { QueueName, ServiceName } from '@docat/contracts';
import type { RateLimiter as RequestLimiter } from '@docat/request-limiter';
import type { CachePort } from './cache/cache.port.js';
import type { RateLimiterPort } from './rate-limit/rate-limiter.port.js';
import type { EventLogPort } from './event-log/event-log.port.js';
import type { BusClient, ObjectStorage, QueuePort } from './ports.js';
import type { RuntimeConfig } from './settings.js';

export type MigrationClass = new () => MigrationInterface;
// TypeORM accepts entity classes and schemas; the kit passes them through untouched.
export type EntityClass = abstract new (...args: never[]) => object;

export type ReadinessCheck = () => Promise<void>;
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, 'ok' | string>;
}

/**
 * Everything a service needs from its environment, chosen once by mode. Modules receive
 * its parts through the DI tokens; nothing in a module knows which adapters it got.
 */
export interface Runtime<C extends RuntimeConfig = RuntimeConfig> {
  readonly config: C;
  readonly bus: BusClient;
  readonly queue: QueuePort;
  readonly storage: ObjectStorage;
  readonly cache: CachePort;
  readonly rateLimiter: RateLimiterPort;
  /**
   * Admission of outgoing requests (translation engines): concurrency and requests per
   * window, shared by every pod through Redis in cluster mode, per process in standalone.
   */
  readonly requestLimiter: RequestLimiter;
  readonly eventLog: EventLogPort;
  /** A migrated data source on the service's own schema; the same schema answers the same instance. */
  dataSourceFor(
    schema: string,
    entities: EntityClass[],
    migrations: MigrationClass[],
  ): Promise<DataSource>;
  transportStrategy(service: ServiceName): CustomTransportStrategy;
  /** Queues some module started working on (the boot check compares them with its claims). */
  workedQueues(): ReadonlySet<QueueName>;
  addReadinessCheck(name: string, check: ReadinessCheck): void;
  readiness(): Promise<ReadinessReport>;
  close(): Promise<void>;
}
