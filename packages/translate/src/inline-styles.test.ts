import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkPlaceholders,
  checkStyleTags,
  plainText,
  protectText,
  restorePlaceholders,
  stripStyleTags,
} from './placeholders.js';
import { pseudoTranslate } from './engines/pseudo.engine.js';
import { fromHtmlSpans, fromXmlTags, toHtmlSpans, toXmlTags } from './engines/xml-tags.js';
import { reassemble, segmentBlocks, styledText } from './segment.js';

const TEXT =
  'Representation specialization: numbers. JavaScript has\nno integer type,  only a double type with 64 bits. See ISO 754 here.';

function span(words: string): { start: number; end: number } {
  const start = TEXT.indexOf(words);
  return { start, end: start + words.length };
}

/** The run-in heading of a paper: bold, then the paragraph in the block's own style. */
const PARAGRAPH = {
  id: 'p',
  type: 'paragraph' as const,
  text: TEXT,
  marks: [
    { ...span('Representation specialization: numbers.'), bold: true },
    { ...span('integer'), italic: true },
    { ...span('here'), href: 'https://example.com/754' },
  ],
};

describe('inline style pairs in segments', () => {
  test('each marked run becomes a pair in its sentence; tokens are numbered in reading order', () => {
    const segments = segmentBlocks([PARAGRAPH], { shortBlockChars: 10 });
    assert.deepEqual(
      segments.map((s) => s.text),
      [
        '⟦0⟧Representation specialization: numbers.⟦/0⟧',
        'JavaScript has no ⟦0⟧integer⟦/0⟧ type, only a double type with ⟦1⟧ bits.',
        'See ISO ⟦0⟧ ⟦1⟧here⟦/1⟧.',
      ],
    );
    const last = segments[2]!;
    assert.deepEqual(
      last.protected.map((p) => [p.token, p.kind]),
      [
        ['⟦0⟧', 'number'],
        ['⟦1⟧', 'style'],
      ],
    );
    assert.deepEqual(last.protected[1]!.style, { href: 'https://example.com/754' });
  });

  test('a math run is one atom, kept as it is through translation', () => {
    const text = 'Es gilt σ(z) ∈ SL2(R) für alle z und jedes kleine Element.';
    const start = text.indexOf('σ(z) ∈ SL2(R)');
    const block = {
      id: 'm',
      type: 'paragraph' as const,
      text,
      marks: [{ start, end: start + 'σ(z) ∈ SL2(R)'.length, math: true }],
    };
    const [segment] = segmentBlocks([block]);
    assert.equal(segment!.text, 'Es gilt ⟦0⟧ für alle z und jedes kleine Element.');
    assert.deepEqual(
      segment!.protected.map((p) => [p.token, p.kind, p.restore]),
      [['⟦0⟧', 'formula', 'σ(z) ∈ SL2(R)']],
    );
    const translated = restorePlaceholders(
      pseudoTranslate(segment!.text, 'de'),
      segment!.protected,
    );
    assert.ok(translated.includes('σ(z) ∈ SL2(R)'), translated);
    assert.ok(!translated.includes('für alle'), translated);
  });

  test('a math run that says how it is set comes back marked, its parts cut with it', () => {
    const text =
      'Sei U x0,y offen. Dann ist V eine offene Menge, und jedes y in Ux0,y liegt darin.';
    const run = (s: string, from = 0): { start: number; end: number } => {
      const start = text.indexOf(s, from);
      return { start, end: start + s.length };
    };
    const parts = [
      { length: 1, scale: 1, rise: 0, italic: true },
      { length: 4, scale: 0.7, rise: -0.15, italic: true },
    ];
    const block = {
      id: 'm',
      type: 'paragraph' as const,
      text,
      marks: [
        // A run cut by the sentence end: each piece keeps the parts of its characters.
        {
          ...run('U x0,y offen. Dann'),
          math: true,
          parts: [...parts, { length: 10, scale: 1, rise: 0 }],
        },
        { ...run('Ux0,y'), math: true, parts },
      ],
    };
    const segments = segmentBlocks([block], { shortBlockChars: 10 });
    assert.equal(segments.length, 2);
    assert.deepEqual(
      segments.map((s) =>
        s.protected.filter((p) => p.kind === 'formula').map((p) => p.style?.parts),
      ),
      [[[...parts, { length: 6, scale: 1, rise: 0 }]], [[{ length: 4, scale: 1, rise: 0 }], parts]],
    );
    const translations = new Map(
      segments.map((s) => [s.id, restorePlaceholders(pseudoTranslate(s.text, 'de'), s.protected)]),
    );
    const out = reassemble(segments, translations).get('m')!;
    assert.doesNotMatch(out.text, /[⟦⟧]/u);
    assert.deepEqual(
      out.marks!.filter((m) => m.math).map((m) => [out.text.slice(m.start, m.end), m.parts]),
      [
        ['U x0,y offen.', [...parts, { length: 6, scale: 1, rise: 0 }]],
        ['Dann', [{ length: 4, scale: 1, rise: 0 }]],
        ['Ux0,y', parts],
      ],
    );
    // What a reader or a neighbour's context sees has no token left.
    for (const s of segments) assert.doesNotMatch(plainText(s.text, s.protected), /[⟦⟧]/u);
  });

  test('a script in prose (a footnote mark, a citation) is an atom that comes back marked', () => {
    const text = 'Firefox ships it,[5][6] as does the reader in Chrome.1';
    const cite = text.indexOf('[5][6]');
    const note = text.length - 1;
    const raised = { scale: 0.8, rise: 0.38 };
    const block = {
      id: 's',
      type: 'paragraph' as const,
      text,
      marks: [
        { start: cite, end: cite + 6, script: true, parts: [{ length: 6, ...raised }] },
        { start: note, end: note + 1, script: true, parts: [{ length: 1, ...raised }] },
      ],
    };
    // The mark after the sentence's full stop is a segment of its own, sent to no engine.
    const [segment, mark] = segmentBlocks([block]);
    assert.equal(segment!.text, 'Firefox ships it,⟦0⟧ as does the reader in Chrome.');
    assert.deepEqual(
      segment!.protected.map((p) => [p.token, p.kind, p.restore]),
      [['⟦0⟧', 'script', '[5][6]']],
    );
    assert.deepEqual([mark!.text, mark!.lead, mark!.untranslatable], ['⟦0⟧', '', true]);
    assert.deepEqual(
      mark!.protected.map((p) => [p.token, p.kind, p.restore]),
      [['⟦0⟧', 'script', '1']],
    );
    const translated = restorePlaceholders(
      pseudoTranslate(segment!.text, 'de'),
      segment!.protected,
    );
    assert.ok(checkPlaceholders(pseudoTranslate(segment!.text, 'de'), segment!.protected).ok);
    const out = reassemble([segment!, mark!], new Map([[segment!.id, translated]])).get('s')!;
    assert.match(out.text, /\.⟫1$/u);
    assert.doesNotMatch(out.text, /[⟦⟧]|Firefox ships/u);
    assert.deepEqual(
      out.marks!.map((m) => [out.text.slice(m.start, m.end), m.script, m.parts]),
      [
        ['[5][6]', true, [{ length: 6, ...raised }]],
        ['1', true, [{ length: 1, ...raised }]],
      ],
    );
    assert.equal(plainText(segment!.text, segment!.protected).includes('[5][6]'), true);
  });

  test('reassembled blocks carry the marks over the translated words', () => {
    const segments = segmentBlocks([PARAGRAPH], { shortBlockChars: 10 });
    const translations = new Map(
      segments.map((s) => [s.id, restorePlaceholders(pseudoTranslate(s.text, 'de'), s.protected)]),
    );
    const block = reassemble(segments, translations).get('p')!;
    assert.doesNotMatch(block.text, /[⟦⟧]/u);
    const marked = block.marks!.map((m) => [
      block.text.slice(m.start, m.end),
      m.bold ?? m.italic ?? m.href,
    ]);
    assert.equal(marked.length, 3);
    assert.match(marked[0]![0] as string, /^Ř.*ñ.*\.$/u);
    assert.equal(marked[0]![1], true);
    assert.match(marked[1]![0] as string, /^[ìíîïī]/u);
    assert.equal(marked[2]![1], 'https://example.com/754');
    assert.match(block.text, /754/u);
  });

  test('a translation whose pairs are lost, doubled, crossed or unclosed fails the style check only', () => {
    const { placeholders } = {
      placeholders: segmentBlocks([PARAGRAPH], { shortBlockChars: 10 })[2]!.protected,
    };
    assert.equal(checkStyleTags('Siehe ISO ⟦0⟧ ⟦1⟧hier⟦/1⟧.', placeholders), true);
    for (const bad of [
      'Siehe ISO ⟦0⟧ hier.',
      'Siehe ISO ⟦0⟧ ⟦1⟧hier.',
      'Siehe ⟦/1⟧ISO ⟦0⟧ ⟦1⟧hier.',
      'Siehe ⟦1⟧ISO⟦/1⟧ ⟦0⟧ ⟦1⟧hier⟦/1⟧.',
      'Siehe ⟦1⟧ISO ⟦0⟧ hier⟦/3⟧.',
    ]) {
      assert.equal(checkStyleTags(bad, placeholders), false, bad);
      assert.equal(checkPlaceholders(bad, placeholders).ok, bad.includes('⟦0⟧'), `atoms of ${bad}`);
    }
    assert.equal(stripStyleTags('Siehe ⟦1⟧ISO⟦/1⟧ ⟦0⟧.', placeholders), 'Siehe ISO ⟦0⟧.');
    assert.equal(plainText('Siehe ⟦1⟧ISO⟦/1⟧ ⟦0⟧.', placeholders), 'Siehe ISO 754.');
  });

  test('nested pairs (a bold link) make two marks over the same words', () => {
    const placeholders = [
      { token: '⟦0⟧', kind: 'style' as const, original: 'x', restore: '', style: { bold: true } },
      {
        token: '⟦1⟧',
        kind: 'style' as const,
        original: 'x',
        restore: '',
        style: { href: 'https://a.example' },
      },
    ];
    assert.equal(checkStyleTags('a ⟦0⟧b ⟦1⟧c⟦/1⟧⟦/0⟧ d', placeholders), true);
    assert.deepEqual(styledText('a ⟦0⟧b ⟦1⟧c⟦/1⟧⟦/0⟧ d', placeholders), {
      text: 'a b c d',
      marks: [
        { start: 2, end: 5, bold: true },
        { start: 4, end: 5, href: 'https://a.example' },
      ],
    });
  });

  test('tokens inside formulas and URLs never swallow a pair', () => {
    const { text } = protectText('⟦0⟧∑x⟦/0⟧ and ⟦1⟧https://example.com/a⟦/1⟧', 2);
    assert.equal(text, '⟦0⟧⟦2⟧⟦/0⟧ and ⟦1⟧⟦3⟧⟦/1⟧');
  });

  test('tag-handling engines carry pairs as elements and give them back', () => {
    const text = 'A ⟦0⟧bold & <odd>⟦/0⟧ word, ⟦1⟧ kept.';
    assert.equal(toXmlTags(text), 'A <g i="0">bold &amp; &lt;odd&gt;</g> word, <x i="1"/> kept.');
    assert.equal(fromXmlTags(toXmlTags(text)), text);
    assert.equal(fromXmlTags('<x i="1"/> B <g i="0"/> C'), '⟦1⟧ B ⟦0⟧⟦/0⟧ C');
    assert.equal(
      toHtmlSpans(text),
      'A <span id="s0">bold &amp; &lt;odd&gt;</span> word, <span translate="no">⟦1⟧</span> kept.',
    );
    assert.equal(fromHtmlSpans(toHtmlSpans(text)), text);
    // A closing element with nothing open is dropped rather than leaked.
    assert.equal(fromHtmlSpans('A bold</span> word'), 'A bold word');
  });

  test('the pseudo engine leaves pairs where they are', () => {
    const out = pseudoTranslate('⟦0⟧Bold⟦/0⟧ text ⟦1⟧', 'de');
    assert.match(out, /^⟪⟦0⟧[^⟦]+⟦\/0⟧ [^⟦]+ ⟦1⟧⟫$/u);
  });
});
