import { readFile } from 'node:fs/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  OUTPUT_CONTENT_TYPES,
  STORAGE_KEYS,
  TRANSLATION_SCOPE_DEFAULTS,
  chunkTranslationSchema,
  layoutDocumentSchema,
  type EngineName,
  type FidelityReport,
  type JobWarning,
  type LayoutDocument,
  type OutputFormat,
  type RenderJob,
} from '@docat/contracts';
import { openPdfPassword, type DocatConfig } from '@docat/config';
import { buildFidelityReport, ocrBudget } from '@docat/pdf';
import {
  assembleDocument,
  isTextFormat,
  pdfTranslationsOf,
  renderTextOutput,
  type ChunkResult,
} from '@docat/pipeline/render';
import {
  CONFIG,
  KEYRING,
  STORAGE,
  KeyringSource,
  StepReporter,
  downloadToTemp,
  readJson,
  type ObjectStorage,
} from '@docat/service-kit';
import { outputsProduced } from '@docat/observability';
import { renderInThread } from '@docat/pipeline/render-thread';

/** A Buffer over the same memory (the thread's output is not copied again). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Renders a job's outputs from its chunks' stored layouts and translations (and, for
 * `pdf` and `dual`, the source file). Output is a pure function of those inputs (no
 * clock, no random ids), so a re-run after a crash writes byte-identical results.
 */
@Injectable()
export class RenderService {
  private readonly logger = new Logger(RenderService.name);

  constructor(
    @Inject(STORAGE) private readonly storage: ObjectStorage,
    @Inject(CONFIG) private readonly config: DocatConfig,
    @Inject(KEYRING) private readonly keyring: KeyringSource,
    private readonly reporter: StepReporter,
  ) {}

  async render(job: RenderJob, signal: AbortSignal, userId?: string): Promise<void> {
    // CPU work a user waits for: OCR of other jobs in this process leaves it a core meanwhile.
    const leave = ocrBudget.enter();
    try {
      await this.renderJob(job, signal, userId);
    } finally {
      leave();
    }
  }

  private async renderJob(job: RenderJob, signal: AbortSignal, userId?: string): Promise<void> {
    const chunks: ChunkResult[] = [];
    let model = '';
    for (let chunk = 0; chunk < job.chunks; chunk++) {
      signal.throwIfAborted();
      const layout = layoutDocumentSchema.parse(
        await readJson(this.storage, STORAGE_KEYS.chunkLayout(job.jobId, chunk)),
      );
      const translation = chunkTranslationSchema.parse(
        await readJson(this.storage, STORAGE_KEYS.chunkTranslation(job.jobId, chunk)),
      );
      model = translation.model;
      chunks.push({ layout, translation });
    }
    const assembled = assembleDocument(chunks, job.scope ?? TRANSLATION_SCOPE_DEFAULTS);
    const { source, translated: target } = assembled;
    const reportProgress = this.reporter.progressOf(
      { jobId: job.jobId, chunk: 0, step: 'render', lease: job.lease },
      'pages',
      userId,
    );
    reportProgress(0, source.pages.length);
    const meta: { targetLanguage: string; engine: EngineName; model: string } = {
      targetLanguage: job.targetLanguage,
      engine: job.engine,
      model,
    };
    const bodies: Partial<Record<OutputFormat, Buffer>> = {};
    for (const format of job.outputs)
      if (isTextFormat(format))
        bodies[format] = Buffer.from(renderTextOutput(format, assembled, meta), 'utf8');
    const warnings: JobWarning[] = [];
    let report: FidelityReport;
    if (job.outputs.includes('pdf') || job.outputs.includes('dual')) {
      const pdfs = await this.renderPdfs(job, source, target, signal, reportProgress);
      bodies.pdf = pdfs.pdf;
      bodies.dual = pdfs.dual;
      warnings.push(...pdfs.warnings);
      report = pdfs.report;
    } else {
      // No PDF is made: the report compares the translated text with the plan.
      report = buildFidelityReport({
        layout: source,
        translations: pdfTranslationsOf(source, target),
        targetLanguage: job.targetLanguage,
      });
    }
    // The report goes first: outputs found in storage after a crash (the reconciler's test of
    // a finished render) then always have their report beside them.
    const reportBody = Buffer.from(JSON.stringify(report), 'utf8');
    await this.storage.put(STORAGE_KEYS.report(job.jobId), reportBody, {
      contentType: 'application/json',
      contentLength: reportBody.length,
      signal,
    });
    for (const format of job.outputs) {
      const body = bodies[format];
      if (body === undefined) continue;
      signal.throwIfAborted();
      await this.storage.put(STORAGE_KEYS.result(job.jobId, format), body, {
        contentType: OUTPUT_CONTENT_TYPES[format],
        contentLength: body.length,
        signal,
      });
      outputsProduced.inc({ format });
    }
    reportProgress(source.pages.length, source.pages.length);
    await this.reporter.done(
      {
        jobId: job.jobId,
        chunk: 0,
        step: 'render',
        lease: job.lease,
        warnings,
        fidelity: report.summary,
      },
      userId,
    );
    this.logger.log(
      `render done job=${job.jobId} chunks=${job.chunks} outputs=${job.outputs.join(',')} warnings=${warnings.length}`,
    );
  }

  private async renderPdfs(
    job: RenderJob,
    source: LayoutDocument,
    target: LayoutDocument,
    signal: AbortSignal,
    onPage: (done: number, total: number) => void,
  ): Promise<{ pdf: Buffer; dual: Buffer; warnings: JobWarning[]; report: FidelityReport }> {
    const file = await downloadToTemp(this.storage, job.sourceKey, signal);
    try {
      const original = new Uint8Array(await readFile(file.path));
      const password = job.passwordSecret
        ? openPdfPassword(await this.keyring.get(), job.passwordSecret, job.sourceKey, job.jobId)
        : undefined;
      signal.throwIfAborted();
      // Seconds of CPU for a long document: off the event loop, so the queue lease is
      // renewed and the health and metrics endpoints keep answering meanwhile.
      const result = await renderInThread(
        {
          source: original,
          layout: source,
          translations: pdfTranslationsOf(source, target),
          targetLanguage: job.targetLanguage,
          ...(password ? { password } : {}),
          ...(job.outputs.includes('dual') ? { dual: job.dualMode } : {}),
          keepActiveContent: this.config.pdf.keepActiveContent,
        },
        { signal, onPage, lowerPriority: true },
      );
      signal.throwIfAborted();
      return {
        pdf: asBuffer(result.pdf),
        dual: asBuffer(result.dual),
        warnings: result.warnings,
        // Asked for (the default): the thread always sends it.
        report: result.report!,
      };
    } finally {
      await file.dispose();
    }
  }
}
