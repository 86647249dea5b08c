import { readFile } from 'node:fs/promises';
import {
  type EngineName,
  type JobWarning,
  type LayoutDocument,
  type LanguageCode,
} from '@docat/contracts';
import { applyTranslations, type SandboxLimits } from '@docat/pdf/extract';
import { extractDocument } from './extract-document.js';
import {
  MemoryRateLimiter,
  Translator,
  assertEngineLanguages,
  engineChain,
  resolveEngine,
  type EngineChoiceReason,
  parseGlossaryCsv,
  reassemble,
  segmentBlocks,
  type Glossary,
  type TranslationMemory,
} from '@docat/translate';

export interface TranslateDocumentOptions {
  input: string;
  target: LanguageCode;
  source?: LanguageCode;
  engine?: EngineName;
  pages?: string;
  password?: string;
  glossaryFile?: string;
  /** Translate the text labels inside figures (kept by default). */
  translateFigureText?: boolean;
  /** Opened once extraction succeeded (and closed before returning); a memory that cannot open is a warning, not a failure. */
  openMemory?: () => Promise<{ memory: TranslationMemory; close(): Promise<void> }>;
  useMemory: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (stage: 'extract' | 'translate', done: number, total: number) => void;
  /** Limits of the extraction sandbox, over its defaults (a benchmark allows a slow machine more time). */
  extractLimits?: Partial<SandboxLimits>;
}

export interface TranslatedDocument {
  source: LayoutDocument;
  translated: LayoutDocument;
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

/** The account the CLI's translation memory is kept under: one user, one machine. */
export const LOCAL_ACCOUNT = 'local';

/**
 * Extract -> segment -> translate -> reassemble, in this process. The engine chain,
 * rate limits, retries and memory are the translation service's own code.
 */
export async function translateDocument(opts: TranslateDocumentOptions): Promise<TranslatedDocument> {
  const env = opts.env ?? process.env;
  // The engine is chosen by the services' rule and checked before any work: an
  // unconfigured engine or a language it cannot do fails at once.
  const choice = resolveEngine(opts.engine, env);
  await assertEngineLanguages(choice.engine, { target: opts.target, ...(opts.source ? { source: opts.source } : {}) });
  const chain = engineChain(choice.engine.name, env);
  const { document, warnings } = await extractDocument(opts.input, {
    ...opts,
    onProgress: (done, total) => opts.onProgress?.('extract', done, total),
  });

  let glossary: Glossary | undefined;
  if (opts.glossaryFile) {
    const csv = await readFile(opts.glossaryFile);
    glossary = parseGlossaryCsv(csv, { source: opts.source ?? document.language ?? 'en', target: opts.target });
  }

  const blocks = document.pages.flatMap((p) => p.blocks.filter((b) => b.type !== 'header' && b.type !== 'footer'));
  const segments = segmentBlocks(blocks, { translateFigureText: opts.translateFigureText === true });
  let store: { memory: TranslationMemory; close(): Promise<void> } | undefined;
  let memoryError: string | undefined;
  if (opts.useMemory && opts.openMemory) {
    try {
      store = await opts.openMemory();
    } catch (err) {
      memoryError = err instanceof Error ? err.message.split('\n')[0] : String(err);
    }
  }
  const translator = new Translator({ limiter: new MemoryRateLimiter(), ...(store ? { memory: store.memory } : {}) });
  const outcome = await translator.translate({
    accountId: LOCAL_ACCOUNT,
    engines: chain,
    target: opts.target,
    segments,
    useMemory: opts.useMemory,
    ...(opts.source ? { source: opts.source } : {}),
    ...(glossary ? { glossary } : {}),
    ...(document.title ? { context: { title: document.title } } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onProgress: ({ done, total }) => opts.onProgress?.('translate', done, total),
  }).finally(() => store?.close());
  const translated = applyTranslations(document, reassemble(segments, outcome.texts));
  for (const w of outcome.warnings) {
    if (w.kind === 'engine_fallback' || w.kind === 'pseudo_engine' || w.kind === 'style_dropped') warnings.push({ kind: w.kind, message: w.detail });
  }
  const billed = Object.values(outcome.billedCharacters).reduce((a, b) => a + (b ?? 0), 0);
  const requests = Object.values(outcome.requests).reduce((a, b) => a + (b ?? 0), 0);
  return {
    source: document,
    translated,
    warnings,
    engines: chain.map((e) => e.name),
    engine: { name: choice.engine.name, model: choice.engine.model, reason: choice.reason },
    pseudo: choice.engine.name === 'pseudo',
    billedCharacters: billed,
    requests,
    memoryHits: outcome.memoryHits,
    segments: segments.length,
    ...(outcome.detectedSource ? { detectedLanguage: outcome.detectedSource } : {}),
    ...(memoryError ? { memoryError } : {}),
  };
}
