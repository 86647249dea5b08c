import { readFile } from 'node:fs/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  STORAGE_KEYS,
  chunkTranslationSchema,
  layoutDocumentSchema,
  type ChunkTranslation,
  type FidelityReport,
  type JobWarning,
  type LayoutDocument,
  type OutputFormat,
  type RenderJob,
} from '@docat/contracts';
import { openPdfPassword, resolveEncryptionKey, type DocatConfig, type Keyring } from '@docat/config';
import { applyTranslations, buildFidelityReport, mergeChunks, renderTranslationsOf, toJson, toMarkdown, toPlainText } from '@docat/pdf';
import { CONFIG, STORAGE, StepReporter, downloadToTemp, readJson, type ObjectStorage } from '@docat/service-kit';
import { outputsProduced } from '@docat/observability';
import { renderInThread } from './render-thread.js';

const CONTENT_TYPES: Record<OutputFormat, string> = {
  pdf: 'application/pdf',
  dual: 'application/pdf',
  md: 'text/markdown; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json',
};

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
  private keyring: Promise<Keyring> | undefined;

  constructor(
    @Inject(STORAGE) private readonly storage: ObjectStorage,
    @Inject(CONFIG) private readonly config: DocatConfig,
    private readonly reporter: StepReporter,
  ) {}

  async render(job: RenderJob, signal: AbortSignal, userId?: string): Promise<void> {
    const layouts: LayoutDocument[] = [];
    const translated: LayoutDocument[] = [];
    let translation: ChunkTranslation | null = null;
    const translatedBlocks: { id: string; text: string }[] = [];
    for (let chunk = 0; chunk < job.chunks; chunk++) {
      signal.throwIfAborted();
      const layout = layoutDocumentSchema.parse(await readJson(this.storage, STORAGE_KEYS.chunkLayout(job.jobId, chunk)));
      translation = chunkTranslationSchema.parse(await readJson(this.storage, STORAGE_KEYS.chunkTranslation(job.jobId, chunk)));
      layouts.push(layout);
      translated.push(
        applyTranslations(
          layout,
          new Map(
            translation.blocks.map((b) => [
              b.id,
              {
                text: b.text,
                ...(b.marks ? { marks: b.marks } : {}),
                ...(b.cells
                  ? {
                      cells: new Map(b.cells.map((c) => [c.index, c.text])),
                      cellMarks: new Map(b.cells.filter((c) => c.marks).map((c) => [c.index, c.marks!])),
                    }
                  : {}),
              },
            ]),
          ),
        ),
      );
      translatedBlocks.push(...translation.blocks);
    }
    const source = mergeChunks(layouts);
    const target = mergeChunks(translated);
    const reportProgress = this.reporter.progressOf({ jobId: job.jobId, chunk: 0, step: 'render', lease: job.lease }, 'pages', userId);
    reportProgress(0, source.pages.length);
    const bodies: Partial<Record<OutputFormat, Buffer>> = {
      md: Buffer.from(toMarkdown(target), 'utf8'),
      txt: Buffer.from(toPlainText(target), 'utf8'),
      json: Buffer.from(
        JSON.stringify(
          {
            document: JSON.parse(toJson(source)) as unknown,
            translation: {
              targetLanguage: job.targetLanguage,
              engine: job.engine,
              model: translation?.model ?? '',
              blocks: translatedBlocks,
            },
          },
          null,
          2,
        ),
        'utf8',
      ),
    };
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
      report = buildFidelityReport({ layout: source, translations: renderTranslationsOf(source, target), targetLanguage: job.targetLanguage });
    }
    // The report goes first: outputs found in storage after a crash (the reconciler's test of
    // a finished render) then always have their report beside them.
    const reportBody = Buffer.from(JSON.stringify(report), 'utf8');
    await this.storage.put(STORAGE_KEYS.report(job.jobId), reportBody, { contentType: 'application/json', contentLength: reportBody.length, signal });
    for (const format of job.outputs) {
      const body = bodies[format];
      if (body === undefined) continue;
      signal.throwIfAborted();
      await this.storage.put(STORAGE_KEYS.result(job.jobId, format), body, { contentType: CONTENT_TYPES[format], contentLength: body.length, signal });
      outputsProduced.inc({ format });
    }
    reportProgress(source.pages.length, source.pages.length);
    await this.reporter.done({ jobId: job.jobId, chunk: 0, step: 'render', lease: job.lease, warnings, fidelity: report.summary }, userId);
    this.logger.log(`render done job=${job.jobId} chunks=${job.chunks} outputs=${job.outputs.join(',')} warnings=${warnings.length}`);
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
      const password = job.passwordSecret ? openPdfPassword(await this.encryptionKeys(), job.passwordSecret, job.sourceKey, job.jobId) : undefined;
      signal.throwIfAborted();
      // Seconds of CPU for a long document: off the event loop, so the queue lease is
      // renewed and the health and metrics endpoints keep answering meanwhile.
      const result = await renderInThread(
        {
          source: original,
          layout: source,
          translations: renderTranslationsOf(source, target),
          targetLanguage: job.targetLanguage,
          ...(password ? { password } : {}),
          ...(job.outputs.includes('dual') ? { dual: job.dualMode } : {}),
          keepActiveContent: this.config.pdf.keepActiveContent,
        },
        { signal, onPage },
      );
      signal.throwIfAborted();
      return { pdf: asBuffer(result.pdf), dual: asBuffer(result.dual), warnings: result.warnings, report: result.report };
    } finally {
      await file.dispose();
    }
  }

  private encryptionKeys(): Promise<Keyring> {
    this.keyring ??= resolveEncryptionKey(this.config);
    return this.keyring;
  }
}
