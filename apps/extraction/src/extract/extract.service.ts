import { readFileSync } from 'node:fs';
import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import {
  OCR_STATUS_CACHE_KEY,
  OCR_STATUS_REFRESH_MS,
  OCR_STATUS_TTL_MS,
  STORAGE_KEYS,
  type ExtractJob,
  type OcrStatus,
} from '@docat/contracts';
import { openPdfPassword, type DocatConfig } from '@docat/config';
import { ocrPages } from '@docat/observability';
import { createOcrAdapter, extractionMemoryBudget, ocrBudget } from '@docat/pdf';
import { extractStep } from '@docat/pipeline/extract';
import {
  CONFIG,
  KEYRING,
  KeyringSource,
  RUNTIME,
  STORAGE,
  StepReporter,
  downloadToTemp,
  writeJson,
  type ObjectStorage,
  type Runtime,
} from '@docat/service-kit';
import { EXTRACTION_SETTINGS, type ExtractionSettings } from '../extraction.tokens.js';

/**
 * Extracts one chunk's pages in the sandbox and writes the chunk's layout to storage
 * before reporting it done. The layout's `pageCount` is the whole document's, which is
 * how ingestion learns it from the first chunk.
 */
@Injectable()
export class ExtractService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ExtractService.name);
  private ocrStatus: OcrStatus | undefined;
  private publishTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(STORAGE) private readonly storage: ObjectStorage,
    @Inject(CONFIG) private readonly config: DocatConfig,
    @Inject(KEYRING) private readonly keyring: KeyringSource,
    @Inject(EXTRACTION_SETTINGS) private readonly settings: ExtractionSettings,
    private readonly reporter: StepReporter,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  /**
   * Says which OCR engine pages will be read with (in the log, and in the shared cache for
   * the gateway's `/health`), and whether the memory limit holds the worst case.
   */
  async onModuleInit(): Promise<void> {
    const choice = this.config.pdf.ocrEngine;
    // One value per process: every extraction of this process draws on the same budget.
    ocrBudget.nice = this.config.pdf.ocrNice;
    try {
      const ocr = createOcrAdapter(choice);
      this.ocrStatus = {
        engine: ocr.name,
        choice,
        concurrency: ocr.concurrency,
        publishedAt: '',
      };
      this.logger.log(
        `OCR engine ${ocr.name} (chosen by OCR_ENGINE=${choice}), ${ocr.concurrency} pages at once per extraction, ${ocrBudget.nice} nice steps below the service (OCR_NICE)`,
      );
    } catch (err) {
      this.ocrStatus = { engine: null, choice, concurrency: 1, publishedAt: '' };
      this.logger.error(
        `OCR_ENGINE=${choice} cannot run: ${err instanceof Error ? err.message : String(err)}; scanned pages will fail OCR`,
      );
    }
    await this.publishOcrStatus();
    this.publishTimer = setInterval(() => void this.publishOcrStatus(), OCR_STATUS_REFRESH_MS);
    this.publishTimer.unref();
    const limitMb = cgroupMemoryLimitMb();
    const budget = extractionMemoryBudget();
    if (limitMb !== undefined && limitMb < budget.total) {
      this.logger.warn(
        `memory limit ${limitMb} MB is below the worst case of ${budget.total} MB (service ${budget.service}, render thread ${budget.renderThread}, sandbox ${budget.sandbox}): a large document may get this process killed`,
      );
    }
  }

  async extract(job: ExtractJob, signal: AbortSignal, userId?: string): Promise<void> {
    this.logger.log(
      `extract started job=${job.jobId} chunk=${job.chunk} lease=${job.lease} pages=${job.pageFrom}-${job.pageTo} pid=${process.pid}`,
    );
    const source = await downloadToTemp(this.storage, job.sourceKey, signal);
    try {
      const password = job.passwordSecret
        ? openPdfPassword(await this.keyring.get(), job.passwordSecret, job.sourceKey, job.jobId)
        : undefined;
      const result = await extractStep(
        source.path,
        {
          pages: [{ from: job.pageFrom, to: job.pageTo }],
          respectPermissions: this.config.pdf.respectPermissions,
          ocrEngine: this.config.pdf.ocrEngine,
          ...(password ? { password } : {}),
          ...(job.sourceLanguage ? { sourceLanguage: job.sourceLanguage } : {}),
          signal,
          onProgress: this.reporter.progressOf(
            { jobId: job.jobId, chunk: job.chunk, step: 'extract', lease: job.lease },
            'pages',
            userId,
          ),
        },
        { timeoutMs: this.settings.timeoutMs, maxPages: this.settings.maxPages },
      );
      signal.throwIfAborted();
      await writeJson(
        this.storage,
        STORAGE_KEYS.chunkLayout(job.jobId, job.chunk),
        result.layout,
        signal,
      );
      const pages = result.layout.pages.map((p) => p.number);
      await this.reporter.done(
        {
          jobId: job.jobId,
          chunk: job.chunk,
          step: 'extract',
          lease: job.lease,
          documentPages: result.layout.pageCount,
          ...(pages.length > 0 ? { pageFrom: Math.min(...pages), pageTo: Math.max(...pages) } : {}),
          warnings: result.warnings,
          ...(result.layout.language
            ? { detectedLanguage: result.layout.language.slice(0, 16) }
            : {}),
        },
        userId,
      );
      this.logger.log(
        `extract done job=${job.jobId} chunk=${job.chunk} pages=${pages.length} children=${result.children} peakRssMb=${result.peakRssMb}` +
          (result.ocrAdapter ? ` ocr=${result.ocrAdapter}` : ''),
      );
      const scanned = result.layout.pages.filter((p) => p.scanned).length;
      const ocrFailed = result.warnings.filter((w) => w.kind === 'ocr_failed').length;
      if (scanned - ocrFailed > 0) ocrPages.inc({ outcome: 'ok' }, scanned - ocrFailed);
      if (ocrFailed > 0) ocrPages.inc({ outcome: 'failed' }, ocrFailed);
    } finally {
      await source.dispose();
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.publishTimer);
  }

  /** A cache that does not answer costs the health report its OCR line, never a job. */
  private async publishOcrStatus(): Promise<void> {
    if (!this.ocrStatus) return;
    const status: OcrStatus = { ...this.ocrStatus, publishedAt: new Date().toISOString() };
    await this.runtime.cache
      .set(OCR_STATUS_CACHE_KEY, JSON.stringify(status), OCR_STATUS_TTL_MS)
      .catch((err: unknown) =>
        this.logger.warn(
          `could not publish the OCR engine for /health: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
  }
}

/** The container's memory limit (cgroup v2, then v1), in MB; undefined when unlimited or unknown. */
function cgroupMemoryLimitMb(): number | undefined {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const raw = readFileSync(file, 'latin1').trim();
      const bytes = Number(raw);
      // cgroup v1 reports "no limit" as a number near 2^63.
      if (raw !== 'max' && Number.isFinite(bytes) && bytes < 2 ** 60)
        return Math.floor(bytes / 1024 ** 2);
      return undefined;
    } catch {
      // Not this cgroup version.
    }
  }
  return undefined;
}
