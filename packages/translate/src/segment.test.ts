import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { splitSentences } from './sentences.js';
import {
  checkPlaceholders,
  protectGlossary,
  protectText,
  repairPlaceholders,
  restorePlaceholders,
} from './placeholders.js';
import { cutLong, reassemble, segmentBlocks } from './segment.js';
import { detectLanguage } from './detect.js';

const sentences = (text: string): string[] => splitSentences(text).map((s) => s.text);

describe('splitSentences', () => {
  test('splits on full stops, questions and exclamations followed by a capital', () => {
    assert.deepEqual(sentences('The cat sat. Did it? Yes! It did.'), [
      'The cat sat.',
      'Did it?',
      'Yes!',
      'It did.',
    ]);
  });
  test('keeps abbreviations inside the sentence', () => {
    assert.deepEqual(sentences('Dr. Smith met Prof. Jones, e.g. at noon. Then they left.'), [
      'Dr. Smith met Prof. Jones, e.g. at noon.',
      'Then they left.',
    ]);
    assert.deepEqual(sentences('See Fig. 3 for details. The rest follows.'), [
      'See Fig. 3 for details.',
      'The rest follows.',
    ]);
  });
  test('keeps decimals and initials', () => {
    assert.deepEqual(sentences('Pi is 3.14 roughly. J. R. R. Tolkien wrote it.'), [
      'Pi is 3.14 roughly.',
      'J. R. R. Tolkien wrote it.',
    ]);
  });
  test('does not split before a lowercase word', () => {
    assert.deepEqual(sentences('It costs approx. ten euros. Fine.'), [
      'It costs approx. ten euros.',
      'Fine.',
    ]);
  });
  test('splits after CJK full stops without spaces', () => {
    assert.deepEqual(sentences('今日は晴れです。明日は雨です！本当？'), [
      '今日は晴れです。',
      '明日は雨です！',
      '本当？',
    ]);
  });
  test('keeps closing quotes with their sentence', () => {
    assert.deepEqual(sentences('He said "stop." Then he left.'), [
      'He said "stop."',
      'Then he left.',
    ]);
  });
});

describe('placeholders', () => {
  test('protects numbers, URLs, emails, code and formulas', () => {
    const { text, placeholders } = protectText(
      'Visit https://example.com/a?b=1 or mail info@example.org; run `npm test`; if x = 2y + 3 then 42% of 1,000.5 units.',
    );
    assert.equal(text, 'Visit ⟦0⟧ or mail ⟦1⟧; run ⟦2⟧; if ⟦3⟧ then ⟦4⟧ of ⟦5⟧ units.');
    assert.deepEqual(placeholders.map((p) => p.kind).sort(), [
      'code',
      'email',
      'formula',
      'number',
      'number',
      'url',
    ]);
    assert.equal(
      restorePlaceholders(text, placeholders),
      'Visit https://example.com/a?b=1 or mail info@example.org; run `npm test`; if x = 2y + 3 then 42% of 1,000.5 units.',
    );
  });
  test('leaves words with digits and hyphenated words alone', () => {
    const { text } = protectText('COVID-19 and MP3 players are well-known.');
    assert.equal(text, 'COVID-19 and MP3 players are well-known.');
  });
  test('validation finds missing, duplicated and unknown tokens', () => {
    const { placeholders } = protectText('From 1 to 2.');
    assert.equal(checkPlaceholders('Von ⟦0⟧ bis ⟦1⟧.', placeholders).ok, true);
    assert.deepEqual(checkPlaceholders('Von ⟦0⟧ bis.', placeholders).missing, ['⟦1⟧']);
    assert.deepEqual(checkPlaceholders('Von ⟦0⟧ ⟦0⟧ bis ⟦1⟧.', placeholders).duplicated, ['⟦0⟧']);
    assert.deepEqual(checkPlaceholders('Von ⟦0⟧ bis ⟦1⟧ ⟦7⟧.', placeholders).unknown, ['⟦7⟧']);
    assert.equal(
      checkPlaceholders('Von ⟦ 0 ⟧ bis ⟦1 ⟧.', placeholders).ok,
      true,
      'spaces inside brackets are tolerated',
    );
  });
  test('repair keeps every run exactly once', () => {
    const { placeholders } = protectText('From 1 to 2.');
    assert.equal(
      restorePlaceholders(repairPlaceholders('Von ⟦0⟧ ⟦0⟧ bis.', placeholders), placeholders),
      'Von 1 bis. 2',
    );
  });
  test('glossary terms become placeholders restored as their translation', () => {
    const base = protectText('The Docat engine handles 3 engines.');
    const { text, placeholders } = protectGlossary(base.text, base.placeholders, [
      { term: 'engine', translation: 'Motor' },
      { term: 'Docat engine', translation: 'Docat-Maschine' },
    ]);
    assert.equal(
      text,
      'The ⟦1⟧ handles ⟦0⟧ engines.',
      'longest term wins; "engines" is another word',
    );
    assert.equal(
      restorePlaceholders('Die ⟦1⟧ verarbeitet ⟦0⟧ Motoren.', placeholders),
      'Die Docat-Maschine verarbeitet 3 Motoren.',
    );
  });
});

describe('segmentBlocks and reassemble', () => {
  const blocks = [
    { id: 'b1', type: 'heading' as const, text: 'Results 2024' },
    {
      id: 'b2',
      type: 'paragraph' as const,
      text:
        'Revenue grew by 12%. '.repeat(3) +
        'Costs, e.g. rent, fell sharply over the year in most of the regions we serve.\nSee https://example.com for more.',
    },
    { id: 'b3', type: 'paragraph' as const, text: '12.5 % — 2024-01-05' },
    {
      id: 'b5',
      type: 'table' as const,
      text: '',
      cells: [
        { row: 0, col: 0, bbox: [0, 0, 1, 1] as [number, number, number, number], text: 'Total' },
        { row: 0, col: 1, bbox: [0, 0, 1, 1] as [number, number, number, number], text: '1,234' },
      ],
    },
  ];
  const segments = segmentBlocks(blocks);

  // Which blocks are segmented at all (never code or formulas) is the pipeline's policy, tested there.
  test('short blocks stay whole, long ones are split into sentences', () => {
    assert.deepEqual(
      segments.filter((s) => s.blockId === 'b1').map((s) => s.text),
      ['Results ⟦0⟧'],
    );
    assert.equal(segments.filter((s) => s.blockId === 'b2').length, 5);
  });
  test('untranslatable segments are marked and never need an engine', () => {
    const b3 = segments.filter((s) => s.blockId === 'b3');
    assert.equal(b3.length, 1);
    assert.equal(b3[0]!.untranslatable, true);
    assert.equal(segments.find((s) => s.blockId === 'b5' && s.cell === 1)!.untranslatable, true);
    assert.equal(segments.find((s) => s.blockId === 'b5' && s.cell === 0)!.untranslatable, false);
  });
  test('reassemble maps translations back, keeping sources where none came', () => {
    const translations = new Map(
      segments
        .filter((s) => !s.untranslatable)
        .map((s) => [s.id, `<${restorePlaceholders(s.text, s.protected)}>`]),
    );
    const out = reassemble(segments, translations);
    assert.equal(out.get('b1')!.text, '<Results 2024>');
    assert.equal(out.get('b3')!.text, '12.5 % — 2024-01-05');
    assert.match(out.get('b2')!.text, /^<Revenue grew by 12%\.> <Revenue grew by 12%\.> <Revenue/);
    assert.equal(out.get('b5')!.cells!.get(0), '<Total>');
    assert.equal(out.get('b5')!.cells!.get(1), '1,234');
  });
});

describe('cutLong', () => {
  test('cuts overlong sentences at clause, then word boundaries, never losing text', () => {
    const text =
      'alpha beta gamma, delta epsilon zeta; eta theta iota kappa lambda mu nu xi omicron pi rho sigma';
    const pieces = cutLong(text, 40);
    assert.ok(pieces.every((p) => p.text.length <= 40));
    assert.equal(pieces.map((p) => p.lead + p.text).join(''), text);
    assert.equal(pieces[0]!.text, 'alpha beta gamma, delta epsilon zeta;');
  });
  test('hard-cuts text without any boundary', () => {
    assert.deepEqual(
      cutLong('x'.repeat(25), 10).map((p) => p.text.length),
      [10, 10, 5],
    );
  });
});

describe('detectLanguage', () => {
  test('detects common languages offline', () => {
    assert.equal(
      detectLanguage('The quick brown fox jumps over the lazy dog and runs into the forest.')
        ?.language,
      'en',
    );
    assert.equal(
      detectLanguage(
        'Der schnelle braune Fuchs springt über den faulen Hund und läuft in den Wald.',
      )?.language,
      'de',
    );
    assert.equal(
      detectLanguage(
        'Le renard brun rapide saute par-dessus le chien paresseux et court dans la forêt.',
      )?.language,
      'fr',
    );
    assert.equal(
      detectLanguage('日本語の文章はこのように書かれています。今日はとても良い天気です。')
        ?.language,
      'ja',
    );
  });
  test('returns undefined for too little text', () => {
    assert.equal(detectLanguage('42 %'), undefined);
  });
});

describe('figure labels', () => {
  const figure = {
    id: 'p1-b3',
    type: 'figure' as const,
    text: 'Interpreter Monitor',
    cells: [
      {
        row: 0,
        col: 0,
        bbox: [0, 0, 40, 10] as [number, number, number, number],
        text: 'Interpreter',
      },
      {
        row: 1,
        col: 0,
        bbox: [0, 20, 40, 30] as [number, number, number, number],
        text: 'Monitor',
      },
    ],
  };
  const caption = { id: 'p1-b4', type: 'caption' as const, text: 'Figure 2. State machine.' };
  test('are kept by default; the caption beside them is translated', () => {
    assert.deepEqual(
      segmentBlocks([figure, caption]).map((s) => s.blockId),
      ['p1-b4'],
    );
  });
  test('are segmented one per label with translateFigureText, and reassemble into cells', () => {
    const segments = segmentBlocks([figure], { translateFigureText: true });
    assert.deepEqual(
      segments.map((s) => [s.id, s.text]),
      [
        ['p1-b3:c0:0', 'Interpreter'],
        ['p1-b3:c1:0', 'Monitor'],
      ],
    );
    const back = reassemble(
      segments,
      new Map([
        ['p1-b3:c0:0', 'Interpret'],
        ['p1-b3:c1:0', 'Monitor-de'],
      ]),
    );
    assert.deepEqual(
      [...back.get('p1-b3')!.cells!],
      [
        [0, 'Interpret'],
        [1, 'Monitor-de'],
      ],
    );
  });
});
