import { readFile } from 'node:fs/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  STORAGE_KEYS,
  chunkTranslationSchema,
  layoutDocumentSchema,
  type ChunkTranslation,
  type JobWarning,
  type LayoutDocument,
  type OutputFormat,
  type RenderJob,
} from '@docat/contracts';
import { decryptSecret, resolveEncryptionKey, type DocatConfig, type Keyring } from '@docat/config';
import {
  FontLibrary,
  applyTranslations,
  mergeChunks,
  renderDualPdf,
  renderTranslatedPdf,
  renderTranslationsOf,
  toJson,
  toMarkdown,
  toPlainText,
} from '@docat/pdf';
import { CONFIG, STORAGE, StepReporter, downloadToTemp, readJson, type ObjectStorage } from '@docat/service-kit';
import { outputsProduced } from '@docat/observability';

const CONTENT_TYPES: Record<OutputFormat, string> = {
  pdf: 'application/pdf',
  dual: 'application/pdf',
  md: 'text/markdown; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json',
};

/**
 * Renders a job's outputs from its chunks' stored layouts and translations (and, for
 * `pdf` and `dual`, the source file). Output is a pure function of those inputs (no
 * clock, no random ids), so a re-run after a crash writes byte-identical results.
 */
@Injectable()
export class RenderService {
  private readonly logger = new Logger(RenderService.name);
  /** Loaded fonts are large and read-only: one library per replica. */
  private readonly fonts = new FontLibrary();
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
          new Map(translation.blocks.map((b) => [b.id, { text: b.text, ...(b.cells ? { cells: new Map(b.cells.map((c) => [c.index, c.text])) } : {}) }])),
        ),
      );
      translatedBlocks.push(...translation.blocks);
    }
    const source = mergeChunks(layouts);
    const target = mergeChunks(translated);
    const bodies: Partial<Record<OutputFormat, Buffer>> = {
      md: Buffer.from(toMarkdown(target), 'utf8'),
      txt: Buffer.from(toPlainText(target), 'utf8'),
      json: Buffer.from(
        JSON.stringify(
          {
            document: JSON.parse(toJson(source)) as unknown,
            translation: {
              targetLanguage: job.targetLanguage,
              engine: translation?.engine ?? 'pseudo',
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
    if (job.outputs.includes('pdf') || job.outputs.includes('dual')) {
      const pdfs = await this.renderPdfs(job, source, target, signal);
      bodies.pdf = pdfs.pdf;
      bodies.dual = pdfs.dual;
      warnings.push(...pdfs.warnings);
    }
    for (const format of job.outputs) {
      const body = bodies[format];
      if (body === undefined) continue;
      signal.throwIfAborted();
      await this.storage.put(STORAGE_KEYS.result(job.jobId, format), body, { contentType: CONTENT_TYPES[format], contentLength: body.length, signal });
      outputsProduced.inc({ format });
    }
    await this.reporter.done({ jobId: job.jobId, chunk: 0, step: 'render', lease: job.lease, warnings }, userId);
    this.logger.log(`render done job=${job.jobId} chunks=${job.chunks} outputs=${job.outputs.join(',')} warnings=${warnings.length}`);
  }

  private async renderPdfs(
    job: RenderJob,
    source: LayoutDocument,
    target: LayoutDocument,
    signal: AbortSignal,
  ): Promise<{ pdf: Buffer; dual: Buffer; warnings: JobWarning[] }> {
    const file = await downloadToTemp(this.storage, job.sourceKey, signal);
    try {
      const original = new Uint8Array(await readFile(file.path));
      const password = job.passwordSecret ? decryptSecret(await this.encryptionKeys(), job.passwordSecret, job.jobId) : undefined;
      signal.throwIfAborted();
      const result = await renderTranslatedPdf(original, source, renderTranslationsOf(source, target), {
        targetLanguage: job.targetLanguage,
        fonts: this.fonts,
        ...(password ? { password } : {}),
      });
      signal.throwIfAborted();
      const dual = job.outputs.includes('dual')
        ? await renderDualPdf(original, result.bytes, { mode: job.dualMode, ...(password ? { password } : {}) })
        : new Uint8Array();
      return { pdf: Buffer.from(result.bytes), dual: Buffer.from(dual), warnings: result.warnings };
    } finally {
      await file.dispose();
    }
  }

  private encryptionKeys(): Promise<Keyring> {
    this.keyring ??= resolveEncryptionKey(this.config);
    return this.keyring;
  }
}
