import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BLOCK_TYPES,
  TRANSLATION_SCOPE_DEFAULTS,
  type Block,
  type BlockType,
  type Page,
  type TranslationScope,
} from '@docat/contracts';
import {
  BLOCK_POLICY,
  NEVER_TRANSLATED,
  kindTranslated,
  referenceEntryIds,
  translatableBlocks,
} from './policy.js';

let order = 0;
function block(id: string, type: BlockType, text: string, extra: Partial<Block> = {}): Block {
  return {
    id,
    type,
    order: order++,
    bbox: [0, 0, 10, 10],
    lines: [{ bbox: [0, 0, 10, 10], spans: [] }],
    text,
    ...extra,
  };
}
function page(number: number, blocks: Block[]): Page {
  return { number, width: 600, height: 800, rotation: 0, scanned: false, blocks };
}
const ALL: TranslationScope = {
  headersFooters: true,
  references: true,
  tables: true,
  figureText: true,
};
const NONE: TranslationScope = {
  headersFooters: false,
  references: false,
  tables: false,
  figureText: false,
};

describe('block policy', () => {
  test('every block kind of the layout model has a rule', () => {
    for (const type of BLOCK_TYPES) assert.ok(BLOCK_POLICY[type] !== undefined, type);
  });

  test('code, formulas and form values are never translated, whatever the scope', () => {
    assert.deepEqual([...NEVER_TRANSLATED].sort(), ['code', 'form_field', 'formula']);
    for (const type of NEVER_TRANSLATED) assert.equal(kindTranslated(type, ALL), false, type);
  });

  test('prose and captions are always translated; furniture, tables and figure labels as the scope says', () => {
    for (const type of ['paragraph', 'heading', 'list_item', 'caption'] as const)
      assert.equal(kindTranslated(type, NONE), true, type);
    assert.equal(kindTranslated('header', NONE), false);
    assert.equal(kindTranslated('footer', ALL), true);
    assert.equal(kindTranslated('table', NONE), false);
    assert.equal(kindTranslated('table', ALL), true);
    assert.equal(
      kindTranslated('figure', TRANSLATION_SCOPE_DEFAULTS),
      false,
      'figure labels are kept by default',
    );
    assert.equal(kindTranslated('figure', ALL), true);
  });

  test('the documented defaults translate running heads, references and tables', () => {
    assert.deepEqual(TRANSLATION_SCOPE_DEFAULTS, {
      headersFooters: true,
      references: true,
      tables: true,
      figureText: false,
    });
  });
});

describe('reference lists', () => {
  const pages = [
    page(1, [
      block('p1-b0', 'heading', 'Introduction', { level: 1 }),
      block('p1-b1', 'paragraph', 'As shown in [1], references matter. See the References below.'),
      block('p1-b2', 'heading', '7. References', { level: 1 }),
      block(
        'p1-b3',
        'list_item',
        '[1] A. Gal et al. Trace-based just-in-time type specialization. PLDI 2009.',
      ),
    ]),
    page(2, [
      block('p2-b0', 'header', 'Running title'),
      block('p2-b1', 'paragraph', '[2] M. Chang. Efficient just-in-time execution. 2009.'),
      block('p2-b2', 'figure', 'x y'),
      block('p2-b3', 'heading', 'Appendix A', { level: 1 }),
      block('p2-b4', 'paragraph', 'The appendix is prose again.'),
    ]),
  ];

  test('the entries after a References heading, across pages, up to the next heading at its level', () => {
    assert.deepEqual([...referenceEntryIds(pages)].sort(), ['p1-b3', 'p2-b1']);
  });

  test('a heading in another language, or a short bold paragraph, opens the list too; prose mentioning references does not', () => {
    for (const text of [
      'Literaturverzeichnis',
      'Bibliographie',
      'REFERENCES',
      'Bibliography:',
      '参考文献',
      'Список литературы',
      'A.2 References',
    ]) {
      const found = referenceEntryIds([
        page(1, [
          block('h', 'paragraph', text),
          block('e', 'paragraph', 'Knuth, D. The Art of Computer Programming.'),
        ]),
      ]);
      assert.deepEqual([...found], ['e'], text);
    }
    const prose = referenceEntryIds([
      page(1, [
        block('h', 'paragraph', 'We list the references in the appendix.'),
        block('e', 'paragraph', 'Knuth.'),
      ]),
    ]);
    assert.equal(prose.size, 0);
  });

  test('a subsection inside the list keeps it open; without levels any heading closes it', () => {
    const nested = [
      page(1, [
        block('r', 'heading', 'References', { level: 2 }),
        block('s', 'heading', 'Primary sources', { level: 3 }),
        block('e', 'paragraph', 'Entry.'),
      ]),
    ];
    assert.deepEqual([...referenceEntryIds(nested)], ['e']);
    const flat = [
      page(1, [
        block('r', 'heading', 'References'),
        block('s', 'heading', 'Index'),
        block('e', 'paragraph', 'aardvark, 3'),
      ]),
    ];
    assert.equal(referenceEntryIds(flat).size, 0);
  });

  test('a heading run into its first entry opens the list; wrapped entry lines misread as headings keep it open', () => {
    const ocr = [
      page(18, [
        block('a', 'paragraph', 'Conclusions'),
        block(
          'b',
          'paragraph',
          'Bibliography Adams, D., Nelson, R. & Todd, P. (1992). Perceived usefulness, ease of use.',
        ),
        block('c', 'paragraph', 'Ajzen, I. (1991). The theory of planned behavior.'),
        block('d', 'heading', '| sjnoids', { level: 1 }),
      ]),
      page(19, [
        block(
          'e',
          'heading',
          'in the technology acceptance model: three experiments. Int. J. Human-Computer Studies',
          { level: 2 },
        ),
        block(
          'f',
          'heading',
          'Critical Review of the Technology Acceptance Model. Information & Management, 40(3)',
          { level: 2 },
        ),
        block('g', 'paragraph', 'Lu, H-P. & Gustafson, D.H. (1994). An empirical study.'),
        block('h', 'heading', 'Appendix', { level: 1 }),
        block('i', 'paragraph', 'Prose again.'),
      ]),
    ];
    assert.deepEqual([...referenceEntryIds(ocr)].sort(), ['b', 'c', 'g']);
    const prose = [
      page(1, [block('x', 'paragraph', 'References to earlier work are given below.')]),
    ];
    assert.equal(referenceEntryIds(prose).size, 0);
  });

  test('translatableBlocks applies kinds and sections together', () => {
    const ids = (scope: TranslationScope) => translatableBlocks(pages, scope).map((b) => b.id);
    assert.deepEqual(ids(TRANSLATION_SCOPE_DEFAULTS), [
      'p1-b0',
      'p1-b1',
      'p1-b2',
      'p1-b3',
      'p2-b0',
      'p2-b1',
      'p2-b3',
      'p2-b4',
    ]);
    assert.deepEqual(
      ids({ ...TRANSLATION_SCOPE_DEFAULTS, references: false, headersFooters: false }),
      ['p1-b0', 'p1-b1', 'p1-b2', 'p2-b3', 'p2-b4'],
    );
  });
});
