import { readFile } from 'node:fs/promises';
import {
  DocatError,
  TRANSLATION_SCOPE_DEFAULTS,
  parsePageRange,
  type ChunkTranslation,
  type EngineName,
  type JobWarning,
  type LanguageCode,
  type LayoutDocument,
  type TranslationScope,
} from '@docat/contracts';
import type { SandboxLimits } from '@docat/pdf/extract';
import {
  DEFAULT_RETRY,
  ENGINE_VARIABLES,
  MemoryRateLimiter,
  Translator,
  answerWithin,
  assertEngineLanguages,
  credentialRefusal,
  engineChain,
  parseGlossaryCsv,
  reassemble,
  resolveEngine,
  segmentBlocks,
  type EngineCall,
  type EngineChoiceReason,
  type Glossary,
  type TranslationMemory,
} from '@docat/translate';
import { startWarnings } from '@docat/pipeline';
import { LOCAL_MAX_PAGES, extractStep } from '@docat/pipeline/extract';
import { translateStep } from '@docat/pipeline/translate';
import { assembleDocument } from '@docat/pipeline/render';
import { HintedError, respectPermissions } from '../hints.js';

export interface RunOptions {
  input: string;
  target: LanguageCode;
  source?: LanguageCode;
  engine?: EngineName;
  /** A page selection such as `1-5,8`. */
  pages?: string;
  password?: string;
  scope?: TranslationScope;
  /** The glossary, once the document (and so its language) is known. */
  glossary?: (document: LayoutDocument) => Promise<Glossary | undefined>;
  /** Opened once extraction succeeded (and closed before returning); a memory that cannot open is a warning, not a failure. */
  openMemory?: () => Promise<{ memory: TranslationMemory; close(): Promise<void> }>;
  useMemory: boolean;
  /** The account translation memory is kept under. */
  accountId: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (stage: 'extract' | 'translate', done: number, total: number) => void;
  /** Told when an engine request failed and will be tried again (a provider slow, down or rate-limiting). */
  onRetry?: (message: string) => void;
  /** Limits of the extraction sandbox, over its defaults (a benchmark allows a slow machine more time). */
  extractLimits?: Partial<SandboxLimits>;
}

export interface RunResult {
  source: LayoutDocument;
  translated: LayoutDocument;
  /** The block translations applied (what the json output lists). */
  applied: ChunkTranslation['blocks'];
  scope: TranslationScope;
  /** The warnings the job collected (start, extraction, translation); render adds its own. */
  warnings: JobWarning[];
  engines: EngineName[];
  /** The engine of the run, as the services' rule chose it, and why. */
  engine: { name: EngineName; model: string; reason: EngineChoiceReason };
  pseudo: boolean;
  billedCharacters: number;
  requests: number;
  memoryHits: number;
  segments: number;
  detectedLanguage?: string;
  /** Why the translation memory could not be opened (the run went on without it). */
  memoryError?: string;
}

/**
 * The document pipeline (`@docat/pipeline`) in this process: extract, segment, translate
 * and assemble, the services' steps with the services' policies, run as one chunk holding
 * every selected page. `renderOutputs` then makes the files a job's render step stores.
 */
export async function runTranslation(opts: RunOptions): Promise<RunResult> {
  const env = opts.env ?? process.env;
  const scope = opts.scope ?? TRANSLATION_SCOPE_DEFAULTS;
  // The engine is chosen by the services' rule and checked before any work: an
  // unconfigured engine or a language it cannot do fails at once.
  const choice = resolveEngine(opts.engine, env);
  // A provider that does not say its languages in a few seconds is not waited for: its
  // requests then fail with its own error, within ENGINE_DEADLINE.
  await assertEngineLanguages(
    choice.engine,
    { target: opts.target, ...(opts.source ? { source: opts.source } : {}) },
    answerWithin(choice.engine.languages()),
  );
  const chain = engineChain(choice.engine.name, env);
  const pages = opts.pages ? (parsePageRange(opts.pages) ?? undefined) : undefined;
  // The engine's key is checked while extraction starts: a key every engine of the chain
  // refuses stops the run at once (ENGINE_AUTH), not after a book was read.
  const stopped = new AbortController();
  const refused = credentialRefusal(chain).then((refusal) => {
    if (refusal) stopped.abort(refusal);
    return refusal;
  });
  const extracted = await extractStep(
    opts.input,
    {
      ...(pages ? { pages } : {}),
      ...(opts.password ? { password: opts.password } : {}),
      ...(opts.source ? { sourceLanguage: opts.source } : {}),
      respectPermissions: respectPermissions(env),
      signal: opts.signal ? AbortSignal.any([opts.signal, stopped.signal]) : stopped.signal,
      onProgress: (done, total) => opts.onProgress?.('extract', done, total),
    },
    { maxPages: LOCAL_MAX_PAGES, ...opts.extractLimits },
  ).catch(async (err: unknown) => {
    throw withEngineHint((await refused) ?? err, choice.engine.name);
  });
  const refusal = await refused;
  if (refusal) throw withEngineHint(refusal, choice.engine.name);
  const glossary = await opts.glossary?.(extracted.layout);

  let store: { memory: TranslationMemory; close(): Promise<void> } | undefined;
  let memoryError: string | undefined;
  if (opts.useMemory && opts.openMemory) {
    try {
      store = await opts.openMemory();
    } catch (err) {
      memoryError = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
    }
  }
  const translator = new Translator({
    limiter: new MemoryRateLimiter(),
    ...(store ? { memory: store.memory } : {}),
    ...(opts.onRetry ? { onEngineCall: retryNotes(opts.onRetry) } : {}),
  });
  const translated = await translateStep(extracted.layout, {
    segmenter: { segmentBlocks, reassemble },
    translator,
    accountId: opts.accountId,
    engines: chain,
    target: opts.target,
    useMemory: opts.useMemory,
    scope,
    ...(opts.source ? { source: opts.source } : {}),
    ...(glossary ? { glossary } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: (done, total) => opts.onProgress?.('translate', done, total),
  })
    .catch((err: unknown) => {
      throw withEngineHint(err, choice.engine.name);
    })
    .finally(() => store?.close());
  const assembled = assembleDocument(
    [{ layout: extracted.layout, translation: translated }],
    scope,
  );
  const requests = Object.values(translated.outcome.requests).reduce<number>(
    (a, b) => a + (b ?? 0),
    0,
  );
  return {
    source: assembled.source,
    translated: assembled.translated,
    applied: assembled.applied,
    scope,
    warnings: [
      ...startWarnings({ engine: choice.engine.name, reason: choice.reason }),
      ...extracted.warnings,
      ...translated.warnings,
    ],
    engines: chain.map((e) => e.name),
    engine: { name: choice.engine.name, model: choice.engine.model, reason: choice.reason },
    pseudo: choice.engine.name === 'pseudo',
    billedCharacters: translated.billedCharacters,
    requests,
    memoryHits: translated.outcome.memoryHits,
    segments: translated.segments,
    ...(translated.detectedLanguage ? { detectedLanguage: translated.detectedLanguage } : {}),
    ...(memoryError ? { memoryError } : {}),
  };
}

/**
 * A note for the terminal each time an engine request fails and is tried again: a
 * provider that is down or slow would otherwise leave the progress bar still for minutes.
 */
function retryNotes(note: (message: string) => void): (call: EngineCall) => void {
  return (call) => {
    if (!call.willRetry) return;
    const what =
      call.outcome === 'rate_limited'
        ? 'was rate-limited'
        : `failed${call.seconds >= 0.1 ? ` after ${call.seconds.toFixed(1)} s` : ''}`;
    note(
      `${call.engine}: request ${what} (attempt ${call.attempt} of ${DEFAULT_RETRY.attempts}); trying again`,
    );
  };
}

/** An engine failure with the variables to check and the way around it. */
function withEngineHint(err: unknown, engine: EngineName): unknown {
  if (!(err instanceof DocatError)) return err;
  const vars = ENGINE_VARIABLES[engine];
  const other = 'or pick another engine with --engine (--engine pseudo needs no key)';
  let hint: string;
  switch (err.code) {
    case 'ENGINE_AUTH':
      hint = vars.key
        ? `${engine} refused its key: check ${vars.key}, ${other}`
        : `${engine} refused its credentials; ${other}`;
      break;
    case 'ENGINE_FAILED':
      hint = vars.key
        ? `${engine} refused the request: check the key in ${vars.key} and the account's quota, ${other}`
        : `${engine} refused the request; ${other}`;
      break;
    case 'ENGINE_TIMEOUT':
      hint = `${engine} did not answer in time: check the network${vars.url ? ` and ${vars.url}` : ''}; a slow provider (a local model) may need a longer ENGINE_RESPONSE_TIME_PER_1000_CHARS or ENGINE_DEADLINE (see docs/translation.md), ${other}`;
      break;
    case 'ENGINE_UNAVAILABLE':
      hint = vars.url
        ? `${engine} could not be reached or kept failing: check the network, and ${vars.url} if it is set, ${other}`
        : `${engine} could not be reached or kept failing; ${other}`;
      break;
    default:
      return err;
  }
  return new HintedError(err, hint);
}

export interface TranslateDocumentOptions {
  input: string;
  target: LanguageCode;
  source?: LanguageCode;
  engine?: EngineName;
  pages?: string;
  password?: string;
  glossaryFile?: string;
  /** What is translated besides body text; the documented defaults when absent. */
  scope?: TranslationScope;
  /** Opened once extraction succeeded (and closed before returning); a memory that cannot open is a warning, not a failure. */
  openMemory?: () => Promise<{ memory: TranslationMemory; close(): Promise<void> }>;
  useMemory: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (stage: 'extract' | 'translate', done: number, total: number) => void;
  onRetry?: (message: string) => void;
  /** Limits of the extraction sandbox, over its defaults (a benchmark allows a slow machine more time). */
  extractLimits?: Partial<SandboxLimits>;
}

export type TranslatedDocument = RunResult;

/** The account the CLI's translation memory is kept under: one user, one machine. */
export const LOCAL_ACCOUNT = 'local';

/** `runTranslation` with a glossary read from a CSV file, under the CLI's own account. */
export async function translateDocument(
  opts: TranslateDocumentOptions,
): Promise<TranslatedDocument> {
  const { glossaryFile, ...rest } = opts;
  return runTranslation({
    ...rest,
    accountId: LOCAL_ACCOUNT,
    ...(glossaryFile
      ? {
          glossary: async (document) =>
            parseGlossaryCsv(await readFile(glossaryFile), {
              source: opts.source ?? document.language ?? 'en',
              target: opts.target,
            }),
        }
      : {}),
  });
}
