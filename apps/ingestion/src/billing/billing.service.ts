import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  DocatError,
  RPC,
  RPC_CONTRACTS,
  STORAGE_KEYS,
  TERMINAL_STATES,
  type CreditEstimate,
  type DryRun,
  type RpcRequest,
  type RpcResponse,
  type EngineChoice,
  type UploadOptions,
} from '@docat/contracts';
import { openPdfPassword, type DocatConfig } from '@docat/config';
import { pageTreeCount, probePdf } from '@docat/pdf';
import {
  BUS,
  CONFIG,
  KEYRING,
  KeyringSource,
  STORAGE,
  downloadToTemp,
  readBytes,
  readJson,
  type BusClient,
  type ObjectStorage,
} from '@docat/service-kit';
import { INGESTION_SETTINGS, type IngestionSettings } from '../ingestion.tokens.js';
import type { JobRow } from '../jobs/job.row.js';
import { JobsRepository } from '../jobs/jobs.repository.js';
import { ChunksRepository } from '../orchestration/chunks.repository.js';
import { BillingRepository } from './billing.repository.js';
import {
  estimateCredits,
  settleLines,
  type ChunkPages,
  type ProbeFacts,
} from './credit-estimate.js';
import { ProbeSlots } from './probe-slots.js';

/** A reservation auth accepted for a job that is about to be created. */
export interface Reservation {
  userId: string;
  jobId: string;
  credits: number;
  estimate: CreditEstimate;
}

/** Upload options as they cross the bus: without the PDF password. */
type JobOptions = Omit<UploadOptions, 'password'>;

type CreditsPattern =
  | typeof RPC.CREDITS_RESERVE
  | typeof RPC.CREDITS_SETTLE
  | typeof RPC.CREDITS_RELEASE
  | typeof RPC.CREDITS_USAGE;

const PROBE_TIMEOUT_MS = 45_000;
/**
 * The probe reads no images and builds no layout, but pdf.js holds the whole file and its
 * cross-reference tables: 256 MB refused uploads of 11 and 45 MB. It runs for dry runs and
 * for files whose page tree cannot be read cheaply only, one at a time.
 */
const PROBE_MAX_RSS_MB = 512;
const PROBE_CONCURRENCY = 1;
const RPC_TIMEOUT_MS = 10_000;
const SWEEP_BATCH = 50;

/**
 * Ingestion's side of credits. Before a job is created its document is probed in the
 * PDF sandbox (page count and scanned pages, no layout, no OCR), its worst case is
 * reserved with auth (INSUFFICIENT_CREDITS refuses the upload before any work), and a
 * billing row is written with the job. When the job ends the actual cost is settled,
 * or the reservation released for a failed or cancelled job. A crash between the job's
 * end and that call leaves the row open; the sweep closes it later, and auth's ledger
 * ignores a repeat, so every job is charged exactly once.
 */
@Injectable()
export class BillingService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Billing');
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | null = null;
  private readonly probes = new ProbeSlots(PROBE_CONCURRENCY);

  constructor(
    private readonly billing: BillingRepository,
    private readonly jobs: JobsRepository,
    private readonly chunks: ChunksRepository,
    @Inject(BUS) private readonly bus: BusClient,
    @Inject(STORAGE) private readonly storage: ObjectStorage,
    @Inject(CONFIG) private readonly config: DocatConfig,
    @Inject(KEYRING) private readonly keyring: KeyringSource,
    @Inject(INGESTION_SETTINGS) private readonly settings: IngestionSettings,
  ) {}

  get enabled(): boolean {
    return this.config.credits.enabled;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.timer = setInterval(
      () => void this.sweep(),
      Math.max(this.settings.reconcileIntervalMs, 1_000),
    );
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  /**
   * Page count and scanned pages of an upload; null when the sandbox cannot read it.
   * `passwordSecret` is the sealed PDF password: it is opened only here, to open the file.
   */
  probe(storageKey: string, passwordSecret: string | undefined): Promise<ProbeFacts | null> {
    return this.probes.run(() => this.probeNow(storageKey, passwordSecret));
  }

  /**
   * The cheap check of an upload: the page count its page tree declares, bounded by
   * MAX_PAGES. The gateway reads it from the bytes it streamed and sends it as `counted`
   * (null: not readable cheaply); without it the page tree is read here, with a few range
   * reads of the stored upload (not a download). Null when the page tree cannot be read
   * that way (an encrypted file with object streams, a damaged cross-reference).
   */
  async declaredPages(
    storageKey: string,
    bytes: number,
    counted?: number | null,
  ): Promise<number | null> {
    const count =
      counted !== undefined
        ? counted
        : await pageTreeCount(
            (start, end) => readBytes(this.storage, storageKey, { start, end }),
            bytes,
          );
    if (count === 0) throw new DocatError('PDF_NO_PAGES');
    if (count !== null && count > this.config.limits.maxPages) {
      throw new DocatError(
        'PDF_TOO_MANY_PAGES',
        `${count} pages, at most ${this.config.limits.maxPages} allowed`,
      );
    }
    return count;
  }

  private async probeNow(
    storageKey: string,
    passwordSecret: string | undefined,
  ): Promise<ProbeFacts | null> {
    const signal = AbortSignal.timeout(PROBE_TIMEOUT_MS);
    const source = await downloadToTemp(this.storage, storageKey, signal);
    try {
      const password =
        passwordSecret === undefined
          ? undefined
          : openPdfPassword(await this.keyring.get(), passwordSecret, storageKey);
      const probe = await probePdf(
        source.path,
        {
          respectPermissions: this.config.pdf.respectPermissions,
          ...(password ? { password } : {}),
        },
        {
          timeoutMs: PROBE_TIMEOUT_MS,
          maxRssMb: PROBE_MAX_RSS_MB,
          maxPages: this.config.limits.maxPages,
        },
      );
      return probe.passwordRequired
        ? null
        : { pageCount: probe.pageCount, scannedPages: probe.scannedPages };
    } catch (err) {
      // A document the probe cannot read fails the same way at extraction, with its own code.
      if (err instanceof DocatError && err.code !== 'INTERNAL') {
        this.logger.warn(`probe of ${storageKey} gave no facts: ${err.code} ${err.message}`);
        return null;
      }
      throw err;
    } finally {
      await source.dispose();
    }
  }

  async estimate(
    storageKey: string,
    options: JobOptions,
    engine: EngineChoice,
    passwordSecret?: string,
  ): Promise<CreditEstimate> {
    const probe = await this.probe(storageKey, passwordSecret);
    return estimateCredits({
      probe,
      pages: options.pages,
      engine,
      rates: this.config.credits.rates,
      reserveCharactersPerPage: this.config.credits.reserveCharactersPerPage,
    });
  }

  /**
   * The reservation of an upload whose page tree was read: its selected pages at the
   * text rate (which pages need OCR is known once the job opens the file; those are
   * charged at the OCR rate when the job settles), plus the assumed characters for a
   * paid engine. `probed` is false: the sandbox has not opened the file yet.
   */
  private declaredEstimate(
    pageCount: number,
    options: JobOptions,
    engine: EngineChoice,
  ): CreditEstimate {
    const estimate = estimateCredits({
      probe: { pageCount, scannedPages: [] },
      pages: options.pages,
      engine,
      rates: this.config.credits.rates,
      reserveCharactersPerPage: this.config.credits.reserveCharactersPerPage,
    });
    return { ...estimate, probed: false };
  }

  /** `POST /v1/documents?dryRun=true`: the estimate and whether it fits what the account has left. */
  async dryRun(
    userId: string,
    storageKey: string,
    options: JobOptions,
    engine: EngineChoice,
    passwordSecret?: string,
  ): Promise<DryRun> {
    const estimate = await this.estimate(storageKey, options, engine, passwordSecret);
    if (!this.enabled) return { ...estimate, dryRun: true, available: null, sufficient: true };
    const usage = await this.call(RPC.CREDITS_USAGE, { userId }, userId);
    const available = usage.available;
    return {
      ...estimate,
      dryRun: true,
      available,
      sufficient: available === null || estimate.estimatedCredits <= available,
    };
  }

  /** Probes the upload and reserves its worst case for the job about to be created; null when credits are off. */
  async reserve(
    userId: string,
    jobId: string,
    storageKey: string,
    options: JobOptions,
    engine: EngineChoice,
    passwordSecret?: string,
    declaredPages: number | null = null,
  ): Promise<Reservation | null> {
    if (!this.enabled) return null;
    const estimate =
      declaredPages === null
        ? await this.estimate(storageKey, options, engine, passwordSecret)
        : this.declaredEstimate(declaredPages, options, engine);
    const accepted = await this.call(
      RPC.CREDITS_RESERVE,
      { userId, jobId, credits: estimate.estimatedCredits, estimate },
      userId,
    );
    return { userId, jobId, credits: accepted.reserved, estimate };
  }

  /** Writes the billing row, in the transaction that creates the job. */
  async record(reservation: Reservation, job: JobRow, tx: EntityManager): Promise<void> {
    await this.billing.insert(
      {
        jobId: job.id,
        jobCreatedAt: job.created_at,
        userId: reservation.userId,
        reserved: reservation.credits,
        estimate: reservation.estimate,
      },
      tx,
    );
  }

  /** Gives back a reservation whose job was not created after all. */
  async abandon(reservation: Reservation): Promise<void> {
    await this.call(
      RPC.CREDITS_RELEASE,
      { userId: reservation.userId, jobId: reservation.jobId },
      reservation.userId,
    ).catch((err: unknown) =>
      this.logger.warn(
        `release of unused reservation ${reservation.jobId} failed (it expires on its own): ${message(err)}`,
      ),
    );
  }

  /**
   * Settles or releases a finished job's reservation. Never throws: a failure leaves the
   * row open for the sweep.
   */
  async close(jobId: string): Promise<void> {
    if (!this.enabled) return;
    try {
      const row = await this.billing.find(jobId);
      if (!row || row.state !== 'open') return;
      const job = await this.jobs.find(jobId);
      if (job && !TERMINAL_STATES.has(job.state)) return;
      if (job?.state === 'completed') {
        const lines = settleLines(
          await this.chunkPages(job),
          Number(job.billed_characters),
          this.config.credits.rates,
        );
        const settled = await this.call(
          RPC.CREDITS_SETTLE,
          { userId: row.user_id, jobId, lines },
          row.user_id,
        );
        await this.billing.close(jobId, 'settled', settled.charged);
      } else {
        await this.call(RPC.CREDITS_RELEASE, { userId: row.user_id, jobId }, row.user_id);
        await this.billing.close(jobId, 'released', 0);
      }
    } catch (err) {
      // The attempt count only feeds the retry budget; the original error below is what matters.
      await this.billing.countAttempt(jobId).catch(() => undefined);
      this.logger.warn(`billing of job ${jobId} not closed yet, will retry: ${message(err)}`);
    }
  }

  /** Closes the open billing rows of finished jobs (after a crash, or an RPC that failed). */
  async sweep(): Promise<void> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = (async () => {
      try {
        for (const { job_id } of await this.billing.openOfFinishedJobs(SWEEP_BATCH))
          await this.close(job_id);
      } catch (err) {
        this.logger.error(`billing sweep failed: ${message(err)}`);
      }
    })().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  /** Releases every open reservation of an account whose data is being erased. */
  async releaseAllOf(userId: string): Promise<void> {
    if (!this.enabled) return;
    for (const row of await this.billing.openOfUser(userId)) {
      await this.call(RPC.CREDITS_RELEASE, { userId, jobId: row.job_id }, userId);
      await this.billing.close(row.job_id, 'released', 0);
    }
  }

  /** Pages each chunk extracted, from its stored layout (the chunk's page range if the layout is gone). */
  private async chunkPages(job: JobRow): Promise<ChunkPages[]> {
    const out: ChunkPages[] = [];
    for (const chunk of await this.chunks.forJob(job.id)) {
      const fallback = {
        chunk: chunk.chunk,
        pages: chunk.page_to - chunk.page_from + 1,
        scanned: 0,
      };
      try {
        const layout = (await readJson(
          this.storage,
          STORAGE_KEYS.chunkLayout(job.id, chunk.chunk),
        )) as { pages?: { scanned?: unknown }[] };
        const pages = Array.isArray(layout.pages) ? layout.pages : null;
        out.push(
          pages
            ? {
                chunk: chunk.chunk,
                pages: pages.length,
                scanned: pages.filter((p) => p.scanned === true).length,
              }
            : fallback,
        );
      } catch {
        out.push(fallback);
      }
    }
    return out;
  }

  private async call<P extends CreditsPattern>(
    pattern: P,
    data: RpcRequest<P>,
    userId: string,
  ): Promise<RpcResponse<P>> {
    const reply = await this.bus.call<unknown>(pattern, data, {
      timeoutMs: RPC_TIMEOUT_MS,
      context: { userId },
    });
    const parsed = RPC_CONTRACTS[pattern].response.safeParse(reply);
    if (!parsed.success)
      throw new DocatError('INTERNAL', `${pattern} answered outside its contract`);
    return parsed.data as RpcResponse<P>;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
