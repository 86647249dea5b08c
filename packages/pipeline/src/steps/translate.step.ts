import type {
  Block,
  ChunkTranslation,
  EngineName,
  InlineMark,
  JobWarning,
  LayoutDocument,
  TranslationScope,
} from '@docat/contracts';
import { translatableBlocks } from '../policy.js';
import { translationWarnings } from '../warnings.js';

/*
 * The translate step takes the segmenter and the translator of `@docat/translate` as
 * arguments, described here by their shapes: this package does not depend on the engine
 * library, so an app that only plans chunks (ingestion) installs no engine SDK.
 */

/** A segment as the step needs it: `@docat/translate`'s `Segment` fits. */
export interface SegmentShape {
  id: string;
  blockId: string;
}

/** `segmentBlocks` and `reassemble` of `@docat/translate`. */
export interface Segmenter<S extends SegmentShape> {
  segmentBlocks(blocks: readonly Block[], options?: { translateFigureText?: boolean }): S[];
  reassemble(
    segments: readonly S[],
    translations: ReadonlyMap<string, string>,
  ): ReadonlyMap<
    string,
    {
      blockId: string;
      text: string;
      cells?: ReadonlyMap<number, string>;
      /** Inline styles of the translated text, from the segments' style pairs. */
      marks?: readonly InlineMark[];
      cellMarks?: ReadonlyMap<number, readonly InlineMark[]>;
    }
  >;
}

/** An engine of the chain: `TranslationEngine` fits. */
export interface EngineShape {
  readonly name: EngineName;
  readonly model: string;
}

/** What the translator answers: `TranslateOutcome` fits. */
export interface OutcomeShape {
  texts: Map<string, string>;
  billedCharacters: Partial<Record<EngineName, number>>;
  requests: Partial<Record<EngineName, number>>;
  memoryHits: number;
  source?: string;
  detectedSource?: string;
  warnings: { kind: string; detail: string }[];
}

/** The request the step makes: a subset of `TranslateRequest`. */
export interface TranslateRequestShape<S, E, G> {
  accountId: string;
  engines: readonly E[];
  source?: string;
  target: string;
  segments: readonly S[];
  glossary?: G;
  glossaryId?: string;
  context?: { title?: string };
  useMemory?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: { done: number; total: number }) => void;
}

/** `Translator` of `@docat/translate`. */
export interface TranslatorShape<S, E, G, O extends OutcomeShape> {
  translate(request: TranslateRequestShape<S, E, G>): Promise<O>;
}

/** Step 2, segment: the chunk's blocks the scope translates, cut into segments. */
export function segmentStep<S extends SegmentShape>(
  layout: LayoutDocument,
  scope: TranslationScope,
  segmenter: Pick<Segmenter<S>, 'segmentBlocks'>,
): S[] {
  // A figure reaches the segmenter only when its labels are in scope; it segments their cells.
  return segmenter.segmentBlocks(translatableBlocks(layout.pages, scope), {
    translateFigureText: scope.figureText,
  });
}

export interface TranslateStepInput<
  S extends SegmentShape,
  E extends EngineShape,
  G,
  O extends OutcomeShape,
> {
  segmenter: Segmenter<S>;
  translator: TranslatorShape<S, E, G, O>;
  accountId: string;
  /** The job's engine first, then its fallbacks. */
  engines: readonly E[];
  target: string;
  source?: string;
  glossary?: G;
  glossaryId?: string;
  useMemory: boolean;
  scope: TranslationScope;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface TranslateStepResult<O> {
  /** The block translations of the chunk, in layout order. */
  blocks: ChunkTranslation['blocks'];
  segments: number;
  outcome: O;
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
export async function translateStep<
  S extends SegmentShape,
  E extends EngineShape,
  G,
  O extends OutcomeShape,
>(layout: LayoutDocument, input: TranslateStepInput<S, E, G, O>): Promise<TranslateStepResult<O>> {
  const segments = segmentStep(layout, input.scope, input.segmenter);
  input.onProgress?.(0, segments.length);
  const onProgress = input.onProgress;
  const outcome = await input.translator.translate({
    accountId: input.accountId,
    engines: input.engines,
    target: input.target,
    segments,
    useMemory: input.useMemory,
    ...(input.source ? { source: input.source } : {}),
    ...(input.glossary
      ? { glossary: input.glossary, ...(input.glossaryId ? { glossaryId: input.glossaryId } : {}) }
      : {}),
    ...(layout.title ? { context: { title: layout.title } } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
    ...(onProgress
      ? {
          onProgress: ({ done, total }: { done: number; total: number }) => onProgress(done, total),
        }
      : {}),
  });
  const blocks = [...input.segmenter.reassemble(segments, outcome.texts).values()].map((b) => ({
    id: b.blockId,
    text: b.text,
    ...(b.marks && b.marks.length > 0 ? { marks: [...b.marks] } : {}),
    ...(b.cells
      ? {
          cells: [...b.cells]
            .sort((x, y) => x[0] - y[0])
            .map(([index, text]) => {
              const marks = b.cellMarks?.get(index);
              return { index, text, ...(marks && marks.length > 0 ? { marks: [...marks] } : {}) };
            }),
        }
      : {}),
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
