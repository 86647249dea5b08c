import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  DocatError,
  STORAGE_KEYS,
  layoutDocumentSchema,
  type Block,
  type ChunkTranslation,
  type JobWarning,
  type TranslateJob,
} from '@docat/contracts';
import { PseudoEngine } from '@docat/translate';
import { STORAGE, StepReporter, readJson, writeJson, type ObjectStorage } from '@docat/service-kit';

/** Block types whose text is prose to translate; figures, formulas and form values stay as they are. */
const TRANSLATABLE = new Set<Block['type']>(['paragraph', 'heading', 'list_item', 'table', 'caption', 'header', 'footer']);

const PSEUDO_WARNING: JobWarning = {
  kind: 'pseudo_engine',
  message: 'Translated by the offline pseudo engine (deterministic pseudo-localisation), not by a real translation engine.',
};

/**
 * Translates one chunk: the translatable blocks of its stored layout go to the engine
 * in one batch, and the block translations are written to storage before the step
 * is reported done with its billed characters.
 */
@Injectable()
export class TranslateService {
  private readonly logger = new Logger(TranslateService.name);
  private readonly pseudo = new PseudoEngine();

  constructor(
    @Inject(STORAGE) private readonly storage: ObjectStorage,
    private readonly reporter: StepReporter,
  ) {}

  async translate(job: TranslateJob, signal: AbortSignal, userId?: string): Promise<void> {
    if (job.engine !== 'pseudo') {
      throw new DocatError('ENGINE_UNAVAILABLE', `the ${job.engine} engine is not configured`);
    }
    const layout = layoutDocumentSchema.parse(await readJson(this.storage, job.layoutKey));
    const segments = layout.pages.flatMap((page) => page.blocks.filter((b) => TRANSLATABLE.has(b.type) && b.text.trim() !== '').map((b) => ({ id: b.id, text: b.text })));
    const result = segments.length
      ? await this.pseudo.translateBatch({ target: job.targetLanguage, segments, signal, ...(job.sourceLanguage ? { source: job.sourceLanguage } : {}) })
      : { translations: [], billedCharacters: 0 };
    signal.throwIfAborted();
    const translation: ChunkTranslation = {
      jobId: job.jobId,
      chunk: job.chunk,
      engine: this.pseudo.name,
      model: this.pseudo.model,
      targetLanguage: job.targetLanguage,
      billedCharacters: result.billedCharacters,
      blocks: result.translations,
    };
    await writeJson(this.storage, STORAGE_KEYS.chunkTranslation(job.jobId, job.chunk), translation, signal);
    await this.reporter.done(
      {
        jobId: job.jobId,
        chunk: job.chunk,
        step: 'translate',
        lease: job.lease,
        billedCharacters: result.billedCharacters,
        // One label per job, carried by its first chunk.
        warnings: job.chunk === 0 ? [PSEUDO_WARNING] : [],
      },
      userId,
    );
    this.logger.log(`translate done job=${job.jobId} chunk=${job.chunk} segments=${segments.length}`);
  }
}
