import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  DocatError,
  STORAGE_KEYS,
  layoutDocumentSchema,
  type ChunkTranslation,
  type JobWarning,
  type TranslateJob,
} from '@docat/contracts';
import {
  Translator,
  engineChain,
  reassemble,
  segmentBlocks,
  type EngineEnv,
  type Glossary,
} from '@docat/translate';
import { STORAGE, StepReporter, readJson, writeJson, type ObjectStorage } from '@docat/service-kit';
import { GlossariesRepository } from '../glossaries/glossaries.repository.js';
import { ENGINE_ENV } from '../engines/engine-env.js';
import { TRANSLATOR } from './translation-engine.providers.js';
import { recordEngineFailure, recordTranslation } from './translation-metrics.js';

/** Memory account of a job without a user (the platform's own jobs). */
const NO_ACCOUNT = 'anonymous';

function sum(counts: Partial<Record<string, number>>): number {
  return Object.values(counts).reduce<number>((a, b) => a + (b ?? 0), 0);
}

function counts(record: Partial<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(record).filter((e): e is [string, number] => e[1] !== undefined),
  );
}

/**
 * Translates one chunk: its stored layout is cut into segments, the process's Translator
 * runs them through translation memory and the job's engine chain, and the block (and
 * table cell) translations are written to storage before the step is reported done with
 * its billed characters and detected language.
 */
@Injectable()
export class TranslateService {
  private readonly logger = new Logger(TranslateService.name);

  constructor(
    @Inject(STORAGE) private readonly storage: ObjectStorage,
    @Inject(TRANSLATOR) private readonly translator: Translator,
    @Inject(ENGINE_ENV) private readonly env: EngineEnv,
    private readonly reporter: StepReporter,
    private readonly glossaries: GlossariesRepository,
  ) {}

  /** The job's glossary, which must belong to the job's user and match its language pair. */
  private async glossaryFor(job: TranslateJob, accountId: string): Promise<Glossary | undefined> {
    if (!job.glossaryId) return undefined;
    const found = await this.glossaries.get(accountId, job.glossaryId);
    if (!found) throw new DocatError('NOT_FOUND', `glossary ${job.glossaryId} does not exist`);
    if (
      found.targetLanguage !== job.targetLanguage ||
      (job.sourceLanguage && found.sourceLanguage !== job.sourceLanguage)
    ) {
      throw new DocatError(
        'VALIDATION_FAILED',
        `glossary ${job.glossaryId} is for ${found.sourceLanguage} to ${found.targetLanguage}, the job translates ${job.sourceLanguage ?? 'auto'} to ${job.targetLanguage}`,
      );
    }
    return {
      source: found.sourceLanguage,
      target: found.targetLanguage,
      entries: found.entries,
      version: found.version,
    };
  }

  async translate(job: TranslateJob, signal: AbortSignal, userId?: string): Promise<void> {
    // An engine without configuration fails the job: pseudo never stands in for it.
    const chain = engineChain(job.engine, this.env);
    const accountId = userId ?? NO_ACCOUNT;
    const glossary = await this.glossaryFor(job, accountId);
    const layout = layoutDocumentSchema.parse(await readJson(this.storage, job.layoutKey));
    const segments = segmentBlocks(layout.pages.flatMap((page) => page.blocks), { translateFigureText: job.translateFigureText === true });
    const reportProgress = this.reporter.progressOf({ jobId: job.jobId, chunk: job.chunk, step: 'translate', lease: job.lease }, 'segments', userId);
    reportProgress(0, segments.length);
    const outcome = await this.translator
      .translate({
        accountId,
        engines: chain,
        target: job.targetLanguage,
        segments,
        useMemory: job.useMemory,
        ...(glossary && job.glossaryId ? { glossary, glossaryId: job.glossaryId } : {}),
        ...(job.sourceLanguage ? { source: job.sourceLanguage } : {}),
        ...(layout.title ? { context: { title: layout.title } } : {}),
        signal,
        onProgress: ({ done, total }) => reportProgress(done, total),
      })
      .catch((err: unknown) => {
        if (
          err instanceof DocatError &&
          (err.code === 'ENGINE_FAILED' || err.code === 'ENGINE_UNAVAILABLE')
        )
          recordEngineFailure(job.engine);
        throw err;
      });
    signal.throwIfAborted();
    recordTranslation(outcome);

    const blocks = [...reassemble(segments, outcome.texts).values()].map((b) => ({
      id: b.blockId,
      text: b.text,
      ...(b.marks ? { marks: b.marks } : {}),
      ...(b.cells
        ? {
            cells: [...b.cells]
              .sort((x, y) => x[0] - y[0])
              .map(([index, text]) => {
                const marks = b.cellMarks?.get(index);
                return { index, text, ...(marks ? { marks } : {}) };
              }),
          }
        : {}),
    }));
    const billedCharacters = sum(outcome.billedCharacters);
    const detectedLanguage = job.sourceLanguage
      ? undefined
      : (outcome.detectedSource ?? outcome.source);
    const engine = chain[0]!;
    const translation: ChunkTranslation = {
      jobId: job.jobId,
      chunk: job.chunk,
      engine: engine.name,
      model: engine.model,
      targetLanguage: job.targetLanguage,
      billedCharacters,
      blocks,
      billedByEngine: counts(outcome.billedCharacters),
      requests: counts(outcome.requests),
      memoryHits: outcome.memoryHits,
      ...(detectedLanguage ? { detectedLanguage } : {}),
    };
    await writeJson(
      this.storage,
      STORAGE_KEYS.chunkTranslation(job.jobId, job.chunk),
      translation,
      signal,
    );

    // A job on pseudo carries its label from creation (ingestion), once.
    const warnings: JobWarning[] = outcome.warnings
      .filter((w) => w.kind !== 'pseudo_engine')
      .map((w) => ({ kind: w.kind, message: w.detail }));
    await this.reporter.done(
      {
        jobId: job.jobId,
        chunk: job.chunk,
        step: 'translate',
        lease: job.lease,
        billedCharacters,
        warnings,
        segments: segments.length,
        ...(detectedLanguage ? { detectedLanguage } : {}),
      },
      userId,
    );
    this.logger.log(
      `translate done job=${job.jobId} chunk=${job.chunk} segments=${segments.length} memoryHits=${outcome.memoryHits} requests=${sum(outcome.requests)} billed=${billedCharacters}`,
    );
  }
}
