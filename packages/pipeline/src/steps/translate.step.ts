import type { ChunkTranslation, EngineName, JobWarning, LayoutDocument, TranslationScope } from '@docat/contracts';
import {
  reassemble,
  segmentBlocks,
  type Glossary,
  type Segment,
  type TranslateOutcome,
  type TranslationEngine,
  type Translator,
} from '@docat/translate';
import { translatableBlocks } from '../policy.js';
import { translationWarnings } from '../warnings.js';

/** Step 2, segment: the chunk's blocks the scope translates, cut into segments. */
export function segmentStep(layout: LayoutDocument, scope: TranslationScope): Segment[] {
  return segmentBlocks(translatableBlocks(layout.pages, scope));
}

export interface TranslateStepInput {
  translator: Translator;
  accountId: string;
  /** The job's engine first, then its fallbacks. */
  engines: readonly TranslationEngine[];
  target: string;
  source?: string;
  glossary?: Glossary;
  glossaryId?: string;
  useMemory: boolean;
  scope: TranslationScope;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface TranslateStepResult {
  /** The block translations of the chunk, in layout order. */
  blocks: ChunkTranslation['blocks'];
  segments: number;
  outcome: TranslateOutcome;
  billedCharacters: number;
  /** Detected when the job named no source language. */
  detectedLanguage?: string;
  engine: { name: EngineName; model: string };
  warnings: JobWarning[];
}

function sum(counts: Partial<Record<string, number>>): number {
  return Object.values(counts).reduce<number>((a, b) => a + (b ?? 0), 0);
}

/**
 * Steps 2 and 3, segment and translate one chunk: through translation memory and the
 * engine chain, back into one translation per block (and per table cell).
 */
export async function translateStep(layout: LayoutDocument, input: TranslateStepInput): Promise<TranslateStepResult> {
  const segments = segmentStep(layout, input.scope);
  input.onProgress?.(0, segments.length);
  const outcome = await input.translator.translate({
    accountId: input.accountId,
    engines: input.engines,
    target: input.target,
    segments,
    useMemory: input.useMemory,
    ...(input.source ? { source: input.source } : {}),
    ...(input.glossary ? { glossary: input.glossary, ...(input.glossaryId ? { glossaryId: input.glossaryId } : {}) } : {}),
    ...(layout.title ? { context: { title: layout.title } } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.onProgress ? { onProgress: ({ done, total }: { done: number; total: number }) => input.onProgress!(done, total) } : {}),
  });
  const blocks = [...reassemble(segments, outcome.texts).values()].map((b) => ({
    id: b.blockId,
    text: b.text,
    ...(b.cells ? { cells: [...b.cells].sort((x, y) => x[0] - y[0]).map(([index, text]) => ({ index, text })) } : {}),
  }));
  const detected = input.source ? undefined : (outcome.detectedSource ?? outcome.source);
  const engine = input.engines[0]!;
  return {
    blocks,
    segments: segments.length,
    outcome,
    billedCharacters: sum(outcome.billedCharacters),
    ...(detected ? { detectedLanguage: detected } : {}),
    engine: { name: engine.name, model: engine.model },
    warnings: translationWarnings(outcome.warnings),
  };
}
