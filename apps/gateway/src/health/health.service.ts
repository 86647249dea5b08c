import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import {
  OCR_STATUS_CACHE_KEY,
  QUEUE_NAMES,
  RPC,
  ocrStatusSchema,
  type OcrStatus,
  type QueueName,
} from '@docat/contracts';
import { createDatabaseProbe, RUNTIME, type DatabaseProbe, type Runtime } from '@docat/service-kit';
import { ServicesClient } from '../rpc/services.client.js';

export type CheckStatus = 'up' | 'down' | 'not-used';

export interface HealthReport {
  status: 'ok' | 'unhealthy';
  checks: {
    database: { status: CheckStatus };
    redis: { status: CheckStatus };
    /** Live workers per queue, from the queue's worker registry; down when a queue has none. */
    workers: { status: CheckStatus; queues: Partial<Record<QueueName, number | null>> };
    /** Down when the default engine reports itself unusable or the translation service does not answer. */
    engines: { status: CheckStatus; available: string[]; unavailable: string[] };
    storage: { status: CheckStatus };
    /**
     * The OCR engine the extraction service reads scans with, as it last published it: down
     * when the configured engine cannot run or no extraction service has said (for 90 s).
     */
    ocr: { status: CheckStatus; engine: OcrStatus['engine']; choice?: OcrStatus['choice'] };
  };
  timestamp: string;
}

/** Results are shared for this long: monitors may poll every few seconds without load. */
export const HEALTH_CACHE_MS = 2_000;
/** No check may hold the answer longer than this. */
const CHECK_TIMEOUT_MS = 1_500;

function within<T>(work: Promise<T>, ms = CHECK_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function up(work: () => Promise<unknown>): Promise<CheckStatus> {
  try {
    await within(work());
    return 'up';
  } catch {
    return 'down';
  }
}

/**
 * The source design's aggregate health, answered by the gateway: PostgreSQL, Redis,
 * workers per queue, translation engines and object storage. One evaluation serves
 * every caller for `HEALTH_CACHE_MS`; concurrent callers share the one in flight.
 * Statuses only: error texts (host names, addresses) stay in the services' own
 * `/readyz` on the management port.
 */
@Injectable()
export class GatewayHealth implements OnModuleDestroy {
  private cached: { at: number; report: Promise<HealthReport> } | undefined;
  private readonly database: DatabaseProbe | null;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly services: ServicesClient,
  ) {
    // Cluster mode: the gateway opens no schema, so it asks PostgreSQL directly. Standalone
    // shares one runtime with every module, whose readiness already covers each schema.
    const url = runtime.config.database.url;
    this.database =
      runtime.config.mode === 'cluster' && url ? createDatabaseProbe(url, CHECK_TIMEOUT_MS) : null;
  }

  report(now = Date.now()): Promise<HealthReport> {
    if (this.cached && now - this.cached.at < HEALTH_CACHE_MS) return this.cached.report;
    const report = this.evaluate();
    const entry = { at: now, report };
    this.cached = entry;
    // The answer is fresh from when it is known, however long the checks took.
    report.then(
      () => (entry.at = Date.now()),
      () => (this.cached = undefined),
    );
    return report;
  }

  async onModuleDestroy(): Promise<void> {
    await this.database?.close();
  }

  private async evaluate(): Promise<HealthReport> {
    const readiness = within(this.runtime.readiness(), CHECK_TIMEOUT_MS * 2).catch(() => null);
    const [database, redis, workers, engines, storage, ocr] = await Promise.all([
      this.database
        ? up(() => this.database!.ping())
        : readiness.then((r) => fromReadiness(r, (name) => name.startsWith('database:'))),
      this.runtime.config.mode === 'cluster'
        ? readiness.then((r) => fromReadiness(r, (name) => name === 'redis'))
        : Promise.resolve<CheckStatus>('not-used'),
      this.workers(),
      this.engines(),
      up(() => this.runtime.storage.ping()),
      this.ocr(),
    ]);
    const checks: HealthReport['checks'] = {
      database: { status: database },
      redis: { status: redis },
      workers,
      engines,
      storage: { status: storage },
      ocr,
    };
    const healthy = Object.values(checks).every((check) => check.status !== 'down');
    return { status: healthy ? 'ok' : 'unhealthy', checks, timestamp: new Date().toISOString() };
  }

  private async workers(): Promise<HealthReport['checks']['workers']> {
    const queues: Partial<Record<QueueName, number | null>> = {};
    await Promise.all(
      QUEUE_NAMES.map(async (queue) => {
        queues[queue] = await within(this.runtime.queue.workersAlive(queue)).catch(() => null);
      }),
    );
    const status: CheckStatus = QUEUE_NAMES.every((queue) => (queues[queue] ?? 0) > 0)
      ? 'up'
      : 'down';
    return { status, queues };
  }

  private async ocr(): Promise<HealthReport['checks']['ocr']> {
    try {
      const text = await within(this.runtime.cache.get(OCR_STATUS_CACHE_KEY));
      const parsed = ocrStatusSchema.safeParse(text === null ? undefined : JSON.parse(text));
      if (!parsed.success) return { status: 'down', engine: null };
      const { engine, choice } = parsed.data;
      return { status: engine ? 'up' : 'down', engine, choice };
    } catch {
      return { status: 'down', engine: null };
    }
  }

  private async engines(): Promise<HealthReport['checks']['engines']> {
    try {
      const { items } = await this.services.call(RPC.TRANSLATION_ENGINES, {}, {}, CHECK_TIMEOUT_MS);
      const available = items.filter((engine) => engine.health.ok).map((engine) => engine.name);
      const unavailable = items.filter((engine) => !engine.health.ok).map((engine) => engine.name);
      const usable = items.some((engine) => engine.default && engine.health.ok);
      return { status: usable ? 'up' : 'down', available, unavailable };
    } catch {
      return { status: 'down', available: [], unavailable: [] };
    }
  }
}

/** Up when every readiness check `pick` selects answered; not used when none exists. */
function fromReadiness(
  report: { ready: boolean; checks: Record<string, string> } | null,
  pick: (name: string) => boolean,
): CheckStatus {
  if (!report) return 'down';
  const picked = Object.entries(report.checks).filter(([name]) => pick(name));
  if (picked.length === 0) return 'not-used';
  return picked.every(([, status]) => status === 'ok') ? 'up' : 'down';
}
