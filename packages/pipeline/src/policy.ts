import type { Block, BlockType, LayoutDocument, Page, TranslationScope } from '@docat/contracts';

/**
 * Whether a block kind is translated: always, never, or as the job's scope says.
 * `satisfies Record<BlockType, …>`: a new block kind in the layout model does not
 * compile until it has a rule here.
 */
export type BlockRule = 'translate' | 'never' | { scope: keyof TranslationScope };

export const BLOCK_POLICY = {
  paragraph: 'translate',
  heading: 'translate',
  list_item: 'translate',
  // "Figure 3. …", "Table 1." and their like are prose about the figure.
  caption: 'translate',
  table: { scope: 'tables' },
  header: { scope: 'headersFooters' },
  footer: { scope: 'headersFooters' },
  // Labels inside artwork: kept unless the job asks for them (where they are clear text runs).
  figure: { scope: 'figureText' },
  // Program text, mathematics and the values typed into form fields mean what they say.
  code: 'never',
  formula: 'never',
  form_field: 'never',
} as const satisfies Record<BlockType, BlockRule>;

/** Block kinds no scope ever translates. */
export const NEVER_TRANSLATED: ReadonlySet<BlockType> = new Set(
  (Object.entries(BLOCK_POLICY) as [BlockType, BlockRule][])
    .filter(([, rule]) => rule === 'never')
    .map(([type]) => type),
);

/** Whether blocks of this kind are translated under `scope`. */
export function kindTranslated(type: BlockType, scope: TranslationScope): boolean {
  const rule: BlockRule = BLOCK_POLICY[type];
  if (rule === 'translate') return true;
  if (rule === 'never') return false;
  return scope[rule.scope];
}

/** Names of a reference list, in the languages Docat translates from most. */
const REFERENCE_NAMES =
  'references?|bibliography|works cited|literature cited|cited literature|references and notes|notes and references|literatur(?:verzeichnis)?|quellen(?:verzeichnis)?|références(?: bibliographiques)?|bibliographie|referencias(?: bibliográficas)?|bibliografía|bibliografia|riferimenti bibliografici|referências(?: bibliográficas)?|literatuur|bronnen|litteratur|referenser|kirjallisuus|bibliografie|литература|список литературы|библиография|参考文献|參考文獻|引用文献|참고\\s?문헌';

/**
 * Headings that open a reference list. Matched against the whole heading, after an
 * optional section number ("7.", "VII", "A.3"), so a sentence mentioning references is
 * not one.
 */
const REFERENCE_HEADING = new RegExp(
  `^(?:(?:\\d+(?:\\.\\d+)*|[IVXLC]+|[A-Z](?:\\.\\d+)*)\\.?\\s+)?(?:${REFERENCE_NAMES})\\s*:?$`,
  'iu',
);

/**
 * A heading run into its first entry, as OCR and some layouts give it:
 * "Bibliography Adams, D., Nelson, R. (1992) …" or "References [1] A. Gal …".
 */
const REFERENCE_RUN_IN = new RegExp(
  `^(?i:${REFERENCE_NAMES})\\s*:?\\s+(?:\\[\\d+\\]|\\d+\\.\\s|\\p{Lu}[\\p{L}'’-]+,\\s*\\p{Lu})`,
  'u',
);

/** How an entry reads: a year in parentheses, or a volume(issue). */
const CITATION_MARK = /\(\d{4}[a-z]?\)|\d+\(\d+\)/u;

function isReferenceHeading(block: Block): boolean {
  const text = block.text.replace(/\s+/gu, ' ').trim();
  if (text.length > 60) return false;
  // Some documents set the heading as a short bold paragraph of the body size.
  if (block.type !== 'heading' && !(block.type === 'paragraph' && block.lines.length <= 1))
    return false;
  return REFERENCE_HEADING.test(text);
}

function isRunInReferenceHeading(block: Block): boolean {
  return (
    (block.type === 'paragraph' || block.type === 'list_item') &&
    REFERENCE_RUN_IN.test(block.text.replace(/\s+/gu, ' ').trim())
  );
}

/**
 * Whether a heading ends the list: one at its level or above (an appendix, an index).
 * A "heading" that reads like an entry's wrapped line (lowercase start, a year in
 * parentheses, many words, no letter first) is a misread entry and keeps the list open.
 */
function endsSection(block: Block, opener: Block): boolean {
  if (block.type !== 'heading') return false;
  const text = block.text.replace(/\s+/gu, ' ').trim();
  if (!/^[\p{Lu}\p{Lo}\d]/u.test(text) || CITATION_MARK.test(text) || text.split(' ').length > 8)
    return false;
  if (block.level !== undefined && opener.level !== undefined && opener.type === 'heading')
    return block.level <= opener.level;
  return true;
}

/** Kinds that hold reference entries; furniture, figures and tables keep their own rules. */
const ENTRY_KINDS: ReadonlySet<BlockType> = new Set(['paragraph', 'list_item', 'caption']);

/**
 * The ids of reference-list entries: the blocks after a "References" (or "Bibliography",
 * "Literatur", "参考文献", …) heading, in reading order across pages, up to the next
 * heading at its level or above. The heading itself is not an entry: it is translated
 * like any heading, so the reader still finds the section.
 */
export function referenceEntryIds(pages: readonly Page[]): Set<string> {
  const ids = new Set<string>();
  let opener: Block | undefined;
  for (const page of [...pages].sort((a, b) => a.number - b.number)) {
    for (const block of [...page.blocks].sort((a, b) => a.order - b.order)) {
      if (isReferenceHeading(block)) {
        opener = block;
        continue;
      }
      if (isRunInReferenceHeading(block)) {
        // The heading and the first entry are one block: it stays as it is, an entry.
        opener = block;
        ids.add(block.id);
        continue;
      }
      if (opener && endsSection(block, opener)) opener = undefined;
      if (opener && ENTRY_KINDS.has(block.type)) ids.add(block.id);
    }
  }
  return ids;
}

/**
 * The blocks to translate in `pages`, by kind and by section. Run on a chunk's pages (the
 * translation step) it can only know what the chunk shows; run on the whole document
 * (assembly) it is final. Blocks translated by the first but excluded by the second
 * keep their source text in every output.
 */
export function translatableBlocks(pages: readonly Page[], scope: TranslationScope): Block[] {
  const references = scope.references ? undefined : referenceEntryIds(pages);
  return pages.flatMap((page) =>
    page.blocks.filter((b) => kindTranslated(b.type, scope) && !references?.has(b.id)),
  );
}

/** The ids of every block `translatableBlocks` keeps in `doc`. */
export function translatableIds(doc: LayoutDocument, scope: TranslationScope): Set<string> {
  return new Set(translatableBlocks(doc.pages, scope).map((b) => b.id));
}
