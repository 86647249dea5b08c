import type { FidelityReport, LayoutDocument } from '@docat/contracts';
import type { RenderTranslatedResult } from '../render/render-translated.js';
import { buildFidelityReport } from './fidelity-report.js';
import { readBack } from './read-back.js';
import { type RenderText } from '../render/render-translated.js';

export {
  buildFidelityReport,
  proseToken,
  proseTokens,
  type FidelityInput,
} from './fidelity-report.js';
export { readBack, wordsOf, type ReadBackPage, type ReadWord } from './read-back.js';

/**
 * The fidelity report of a rendered translation: the translated PDF is read back and
 * compared with the layout and translations it was rendered from. `pages` is the
 * renderer's option of the same name (the output holds only those source pages, in order).
 */
export async function fidelityReportOf(
  rendered: Pick<RenderTranslatedResult, 'bytes' | 'placements'>,
  plan: {
    layout: LayoutDocument;
    translations: ReadonlyMap<string, RenderText>;
    targetLanguage: string;
    pages?: readonly number[];
  },
): Promise<FidelityReport> {
  const output = await readBack(rendered.bytes);
  const pages = plan.pages;
  return buildFidelityReport({
    layout: plan.layout,
    translations: plan.translations,
    targetLanguage: plan.targetLanguage,
    placements: rendered.placements,
    output,
    ...(pages
      ? {
          outputPageOf: (p: number) => {
            const i = pages.indexOf(p);
            return i < 0 ? undefined : i + 1;
          },
        }
      : {}),
  });
}
