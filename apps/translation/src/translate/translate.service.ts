import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  DocatError,
  STORAGE_KEYS,
  TRANSLATION_SCOPE_DEFAULTS,
  layoutDocumentSchema,
  type ChunkTranslation,
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
import { translateStep } from '@docat/pipeline/translate';
import { STORAGE, StepReporter, readJson, writeJson, type ObjectStorage } from '@docat/service-kit';
import { GlossariesRepository } from '../glossaries/glossaries.repository.js';
import { ENGINE_ENV } from '@docat/engines';
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
    const reportProgress = this.reporter.progressOf(
      { jobId: job.jobId, chunk: job.chunk, step: 'translate', lease: job.lease },
      'segments',
      userId,
    );
    const result = await translateStep(layout, {
      segmenter: { segmentBlocks, reassemble },
      translator: this.translator,
      accountId,
      engines: chain,
      target: job.targetLanguage,
      useMemory: job.useMemory,
      scope: job.scope ?? TRANSLATION_SCOPE_DEFAULTS,
      ...(glossary && job.glossaryId ? { glossary, glossaryId: job.glossaryId } : {}),
      ...(job.sourceLanguage ? { source: job.sourceLanguage } : {}),
      signal,
      onProgress: reportProgress,
    }).catch((err: unknown) => {
      if (
        err instanceof DocatError &&
        (err.code === 'ENGINE_FAILED' ||
          err.code === 'ENGINE_UNAVAILABLE' ||
          err.code === 'ENGINE_TIMEOUT' ||
          err.code === 'ENGINE_AUTH')
      )
        recordEngineFailure(job.engine);
      throw err;
    });
    signal.throwIfAborted();
    const outcome = result.outcome;
    recordTranslation(outcome);
    const { billedCharacters, detectedLanguage } = result;
    const translation: ChunkTranslation = {
      jobId: job.jobId,
      chunk: job.chunk,
      engine: result.engine.name,
      model: result.engine.model,
      targetLanguage: job.targetLanguage,
      billedCharacters,
      blocks: result.blocks,
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

    await this.reporter.done(
      {
        jobId: job.jobId,
        chunk: job.chunk,
        step: 'translate',
        lease: job.lease,
        billedCharacters,
        warnings: result.warnings,
        segments: result.segments,
        ...(detectedLanguage ? { detectedLanguage } : {}),
      },
      userId,
    );
    this.logger.log(
      `translate done job=${job.jobId} chunk=${job.chunk} segments=${result.segments} memoryHits=${outcome.memoryHits} requests=${sum(outcome.requests)} billed=${billedCharacters}`,
    );
  }
}
