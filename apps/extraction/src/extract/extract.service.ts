import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { STORAGE_KEYS, type ExtractJob } from '@docat/contracts';
import { decryptSecret, type DocatConfig } from '@docat/config';
import { ocrPages } from '@docat/observability';
import { createOcrAdapter, extractionMemoryBudget } from '@docat/pdf';
import { extractStep } from '@docat/pipeline/extract';
import {
  CONFIG,
  KEYRING,
  KeyringSource,
  STORAGE,
  StepReporter,
  downloadToTemp,
  writeJson,
  type ObjectStorage,
} from '@docat/service-kit';
import { EXTRACTION_SETTINGS, type ExtractionSettings } from '../extraction.tokens.js';

/**
 * Extracts one chunk's pages in the sandbox and writes the chunk's layout to storage
 * before reporting it done. The layout's `pageCount` is the whole document's, which is
 * how ingestion learns it from the first chunk.
 */
@Injectable()
export class ExtractService implements OnModuleInit {
  private readonly logger = new Logger(ExtractService.name);

  constructor(
    @Inject(STORAGE) private readonly storage: ObjectStorage,
    @Inject(CONFIG) private readonly config: DocatConfig,
    @Inject(KEYRING) private readonly keyring: KeyringSource,
    @Inject(EXTRACTION_SETTINGS) private readonly settings: ExtractionSettings,
    private readonly reporter: StepReporter,
  ) {}

  /** Says which OCR engine pages will be read with, and whether the memory limit holds the worst case. */
  onModuleInit(): void {
    try {
      const ocr = createOcrAdapter(this.config.pdf.ocrEngine);
      this.logger.log(
        `OCR engine ${ocr.name} (chosen by OCR_ENGINE=${this.config.pdf.ocrEngine}), ${ocr.concurrency} pages at once per extraction`,
      );
    } catch (err) {
      this.logger.error(
        `OCR_ENGINE=${this.config.pdf.ocrEngine} cannot run: ${err instanceof Error ? err.message : String(err)}; scanned pages will fail OCR`,
      );
    }
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
        ? decryptSecret(await this.keyring.get(), job.passwordSecret, job.jobId)
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
