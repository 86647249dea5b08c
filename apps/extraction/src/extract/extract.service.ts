import { Inject, Injectable, Logger } from '@nestjs/common';
import { STORAGE_KEYS, type ExtractJob } from '@docat/contracts';
import { decryptSecret, resolveEncryptionKey, type DocatConfig, type Keyring } from '@docat/config';
import { ocrPages } from '@docat/observability';
import { extractInSandbox } from '@docat/pdf';
import { CONFIG, STORAGE, StepReporter, downloadToTemp, writeJson, type ObjectStorage } from '@docat/service-kit';
import { EXTRACTION_SETTINGS, type ExtractionSettings } from '../extraction.tokens.js';

/**
 * Extracts one chunk's pages in the sandbox and writes the chunk's layout to storage
 * before reporting it done. The layout's `pageCount` is the whole document's, which is
 * how ingestion learns it from the first chunk.
 */
@Injectable()
export class ExtractService {
  private readonly logger = new Logger(ExtractService.name);
  private keyring: Promise<Keyring> | undefined;

  constructor(
    @Inject(STORAGE) private readonly storage: ObjectStorage,
    @Inject(CONFIG) private readonly config: DocatConfig,
    @Inject(EXTRACTION_SETTINGS) private readonly settings: ExtractionSettings,
    private readonly reporter: StepReporter,
  ) {}

  async extract(job: ExtractJob, signal: AbortSignal, userId?: string): Promise<void> {
    this.logger.log(`extract started job=${job.jobId} chunk=${job.chunk} lease=${job.lease} pages=${job.pageFrom}-${job.pageTo} pid=${process.pid}`);
    const source = await downloadToTemp(this.storage, job.sourceKey, signal);
    try {
      const password = job.passwordSecret ? decryptSecret(await this.encryptionKeys(), job.passwordSecret, job.jobId) : undefined;
      const result = await extractInSandbox(
        source.path,
        {
          pages: [{ from: job.pageFrom, to: job.pageTo }],
          documentLevel: false,
          respectPermissions: this.config.pdf.respectPermissions,
          ...(password ? { password } : {}),
          ...(job.sourceLanguage ? { sourceLanguage: job.sourceLanguage } : {}),
          signal,
          onProgress: this.reporter.progressOf({ jobId: job.jobId, chunk: job.chunk, step: 'extract', lease: job.lease }, 'pages', userId),
        },
        { timeoutMs: this.settings.timeoutMs, maxPages: this.settings.maxPages },
      );
      signal.throwIfAborted();
      await writeJson(this.storage, STORAGE_KEYS.chunkLayout(job.jobId, job.chunk), result.document, signal);
      const pages = result.document.pages.map((p) => p.number);
      await this.reporter.done(
        {
          jobId: job.jobId,
          chunk: job.chunk,
          step: 'extract',
          lease: job.lease,
          documentPages: result.document.pageCount,
          ...(pages.length > 0 ? { pageFrom: Math.min(...pages), pageTo: Math.max(...pages) } : {}),
          warnings: result.warnings,
          ...(result.document.language ? { detectedLanguage: result.document.language.slice(0, 16) } : {}),
        },
        userId,
      );
      this.logger.log(`extract done job=${job.jobId} chunk=${job.chunk} pages=${pages.length}`);
      const scanned = result.document.pages.filter((p) => p.scanned).length;
      const ocrFailed = result.warnings.filter((w) => w.kind === 'ocr_failed').length;
      if (scanned - ocrFailed > 0) ocrPages.inc({ outcome: 'ok' }, scanned - ocrFailed);
      if (ocrFailed > 0) ocrPages.inc({ outcome: 'failed' }, ocrFailed);
    } finally {
      await source.dispose();
    }
  }

  private encryptionKeys(): Promise<Keyring> {
    this.keyring ??= resolveEncryptionKey(this.config);
    return this.keyring;
  }
}
