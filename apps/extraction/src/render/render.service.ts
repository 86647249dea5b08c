import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  STORAGE_KEYS,
  chunkTranslationSchema,
  layoutDocumentSchema,
  type ChunkTranslation,
  type LayoutDocument,
  type OutputFormat,
  type RenderJob,
} from '@docat/contracts';
import { applyTranslations, mergeChunks, toJson, toMarkdown, toPlainText } from '@docat/pdf';
import { STORAGE, StepReporter, readJson, type ObjectStorage } from '@docat/service-kit';

const CONTENT_TYPES: Partial<Record<OutputFormat, string>> = {
  md: 'text/markdown; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json',
};

/**
 * Renders a job's outputs from its chunks' stored layouts and translations. Output is
 * a pure function of those inputs (no clock, no random ids), so a re-run after a crash
 * writes byte-identical results.
 */
@Injectable()
export class RenderService {
  private readonly logger = new Logger(RenderService.name);

  constructor(
    @Inject(STORAGE) private readonly storage: ObjectStorage,
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
      translated.push(applyTranslations(layout, new Map(translation.blocks.map((b) => [b.id, { text: b.text }]))));
      translatedBlocks.push(...translation.blocks);
    }
    const source = mergeChunks(layouts);
    const target = mergeChunks(translated);
    const bodies: Partial<Record<OutputFormat, string>> = {
      md: toMarkdown(target),
      txt: toPlainText(target),
      json: JSON.stringify(
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
    };
    for (const format of job.outputs) {
      const body = bodies[format];
      if (body === undefined) continue;
      signal.throwIfAborted();
      const buffer = Buffer.from(body, 'utf8');
      await this.storage.put(STORAGE_KEYS.result(job.jobId, format), buffer, { contentType: CONTENT_TYPES[format], contentLength: buffer.length, signal });
    }
    await this.reporter.done({ jobId: job.jobId, chunk: 0, step: 'render', lease: job.lease }, userId);
    this.logger.log(`render done job=${job.jobId} chunks=${job.chunks} outputs=${job.outputs.join(',')}`);
  }
}
