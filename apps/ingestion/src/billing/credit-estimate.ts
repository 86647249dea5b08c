import {
  parsePageRange,
  selectedPageNumbers,
  type CreditEstimate,
  type CreditLine,
  type CreditRates,
  type EngineChoice,
} from '@docat/contracts';

/** What the probe learned of a document; null when it could not read it. */
export interface ProbeFacts {
  pageCount: number;
  /** 1-based numbers of pages without a usable text layer. */
  scannedPages: readonly number[];
}

export interface EstimateInput {
  probe: ProbeFacts | null;
  /** The upload's page selection (`1-5,8`), if any. */
  pages: string | undefined;
  /** The job's engine as resolved at creation; whether it is paid is the engine's own fact. */
  engine: Pick<EngineChoice, 'engine' | 'paid'>;
  rates: CreditRates;
  reserveCharactersPerPage: number;
}

/** Credits for characters sent to a paid engine: rounded up, per job. */
export function translationCredits(characters: number, rates: CreditRates): number {
  return Math.ceil((characters * rates.translationPer1000Characters) / 1000);
}

/** The selected pages of a document of `pageCount` pages. */
export function selectedPages(pageCount: number, pages: string | undefined): number[] {
  return selectedPageNumbers(pages ? (parsePageRange(pages) ?? []) : undefined, pageCount);
}

/**
 * The worst case of a job before any work: every selected page charged as extracted
 * (OCR where the probe found no text layer), and for a paid engine an assumed number
 * of characters per page. A document the probe could not read reserves nothing: its
 * job fails at extraction in the same way, and if it does not, the actual is settled.
 */
export function estimateCredits(input: EstimateInput): CreditEstimate {
  const engine = input.engine.engine;
  const paidEngine = input.engine.paid;
  const selected = input.probe ? selectedPages(input.probe.pageCount, input.pages) : [];
  const scanned = input.probe ? new Set(input.probe.scannedPages) : new Set<number>();
  const scannedPages = selected.filter((n) => scanned.has(n)).length;
  const textPages = selected.length - scannedPages;
  const translationCharacters = paidEngine ? selected.length * input.reserveCharactersPerPage : 0;
  const breakdown = {
    text_pages: textPages * input.rates.textPage,
    ocr_pages: scannedPages * input.rates.ocrPage,
    translation: translationCredits(translationCharacters, input.rates),
  };
  return {
    pages: input.probe?.pageCount ?? 0,
    selectedPages: selected.length,
    scannedPages,
    textPages,
    engine,
    paidEngine,
    translationCharacters,
    estimatedCredits: breakdown.text_pages + breakdown.ocr_pages + breakdown.translation,
    breakdown,
    probed: input.probe !== null,
  };
}

/** One chunk's extracted pages, as its stored layout shows them. */
export interface ChunkPages {
  chunk: number;
  pages: number;
  scanned: number;
}

/** The actual charges of a completed job: pages per chunk (OCR'd ones at the OCR rate) and the paid characters. */
export function settleLines(
  chunks: readonly ChunkPages[],
  billedCharacters: number,
  rates: CreditRates,
): CreditLine[] {
  const lines: CreditLine[] = [];
  for (const c of chunks) {
    const text = Math.max(0, c.pages - c.scanned);
    if (text > 0)
      lines.push({
        step: `chunk:${c.chunk}`,
        kind: 'text_pages',
        quantity: text,
        credits: text * rates.textPage,
      });
    if (c.scanned > 0)
      lines.push({
        step: `chunk:${c.chunk}`,
        kind: 'ocr_pages',
        quantity: c.scanned,
        credits: c.scanned * rates.ocrPage,
      });
  }
  if (billedCharacters > 0) {
    lines.push({
      step: 'job',
      kind: 'translation',
      quantity: billedCharacters,
      credits: translationCredits(billedCharacters, rates),
    });
  }
  return lines;
}
