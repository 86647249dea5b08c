import type { EngineChoice, JobWarning } from '@docat/contracts';

/**
 * The warnings a job collects, step by step:
 * - at its start, the pseudo engine's label (once, with the reason it was chosen);
 * - from extraction, every warning (OCR, damage, failed pages, replaced text layers);
 * - from translation, engine fallbacks, repaired placeholders and dropped inline styles (pseudo is labelled at the start);
 * - from rendering, every block that overflows its box or lacks a glyph, with page and block.
 */
export function startWarnings(engine: Pick<EngineChoice, 'engine' | 'reason'>): JobWarning[] {
  if (engine.engine !== 'pseudo') return [];
  return [
    {
      kind: 'pseudo_engine',
      message:
        engine.reason === 'pseudo-fallback'
          ? 'No translation engine is configured, so the offline pseudo engine is used: the output is pseudo-localised, not translated. Configure an engine (see GET /v1/engines).'
          : 'Translated by the offline pseudo engine (deterministic pseudo-localisation), not by a real translation engine.',
    },
  ];
}

/** The translator's warnings a job keeps. */
export function translationWarnings(
  warnings: readonly { kind: string; detail: string }[],
): JobWarning[] {
  const out: JobWarning[] = [];
  for (const w of warnings) {
    if (
      w.kind === 'engine_fallback' ||
      w.kind === 'placeholder_repaired' ||
      w.kind === 'style_dropped'
    )
      out.push({ kind: w.kind, message: w.detail });
  }
  return out;
}
