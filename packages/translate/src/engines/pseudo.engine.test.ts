import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PseudoEngine, PSEUDO_CLOSE, PSEUDO_OPEN, pseudoTranslate } from './pseudo.engine.js';

const SOURCE = 'The quick brown fox jumps over ⟦0⟧ lazy dogs. Visit ⟦1⟧ today';

function letters(text: string): string[] {
  return [...text.replace(/⟦\d+⟧/gu, '')].filter((c) => /\p{L}/u.test(c));
}

const SCRIPTS: [string, RegExp][] = [
  ['ja', /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['zh', /\p{Script=Han}/u],
  ['zh-Hant', /\p{Script=Han}/u],
  ['ko', /\p{Script=Hangul}/u],
  ['ru', /\p{Script=Cyrillic}/u],
  ['el', /\p{Script=Greek}/u],
  ['ar', /\p{Script=Arabic}/u],
  ['he', /\p{Script=Hebrew}/u],
  ['hi', /\p{Script=Devanagari}/u],
  ['de', /\p{Script=Latin}/u],
];

describe('pseudo engine', () => {
  for (const [target, script] of SCRIPTS) {
    test(`writes ${target} in its script, markers and placeholders intact`, () => {
      const out = pseudoTranslate(SOURCE, target);
      assert.ok(out.startsWith(PSEUDO_OPEN) && out.endsWith(PSEUDO_CLOSE));
      const body = letters(out);
      assert.ok(body.length > 0);
      assert.deepEqual(body.filter((c) => !script.test(c)), [], `every letter of ${out} is in the target script`);
      assert.deepEqual([...out.matchAll(/⟦\d+⟧/gu)].map((m) => m[0]), ['⟦0⟧', '⟦1⟧']);
    });
  }
  test('Latin targets are accented and about 30% longer', () => {
    const text = 'The quick brown fox jumps over the lazy dog near the river bank';
    const out = pseudoTranslate(text, 'de').slice(1, -1);
    assert.match(out, /[àáâãäåāèéêëēìíîïīòóôõöøùúûüū]/u);
    const growth = out.length / text.length - 1;
    assert.ok(growth >= 0.25 && growth <= 0.35, `growth ${growth.toFixed(2)}`);
  });
  test('changes every word of every script, so a word left means a segment not translated', () => {
    const sources = [
      'The quick brown fox jumps over the lazy dog. Why HTTP WWW mph?',
      'Τηε θυιχκ βροων φοξ ϕυµπσ οϖερ τηε λαζψ δογ',
      'Привет мир, это отчёт',
      '한국어 보고서 요약 및 정책 제언',
      'فرم درخواست کار برای کارمندان',
      'שלום עולם וכל יושביו',
      'हिंदी भाषा में लिखा गया पाठ',
      'ภาษาไทย เป็นภาษาราชการ',
      '日本語の文書を翻訳します。中文报告摘要',
      'Straße Größe ďž ŁÓDŹ æøå façade',
    ];
    for (const target of ['de', 'fr', 'ru', 'el', 'ja', 'zh', 'ko', 'ar', 'fa', 'he', 'hi', 'th']) {
      for (const source of sources) {
        const out = pseudoTranslate(source, target);
        const outWords = new Set(out.slice(1, -1).split(/[\s\p{P}]+/u));
        for (const word of source.split(/[\s\p{P}]+/u).filter((w) => /\p{L}/u.test(w))) {
          assert.ok(!outWords.has(word), `${target}: "${word}" of "${source}" left as it is in ${out}`);
        }
      }
    }
  });
  test('a Latin target writes every source script in accented Latin letters, none left plain', () => {
    for (const source of ['한국어 보고서', 'فرم درخواست', 'Τηε θυιχκ', 'Why mph HTTP', '日本語の文書', 'हिंदी भाषा']) {
      const out = pseudoTranslate(source, 'de');
      const body = letters(out);
      assert.ok(body.length >= letters(source).length, out);
      assert.deepEqual(body.filter((c) => !/\p{Script=Latin}/u.test(c) || /[A-Za-z]/u.test(c)), [], `${source} -> ${out}`);
      assert.doesNotMatch(out, /\p{M}/u, 'no combining mark of the source is left on a Latin letter');
    }
    // Scripts written without spaces break into words, as a Latin translation would.
    assert.ok(pseudoTranslate('日本語の文書を翻訳します', 'de').split(' ').length >= 3);
  });
  test('is deterministic and free', async () => {
    const engine = new PseudoEngine();
    const req = { target: 'ru', segments: [{ id: 'a', text: 'Hello world' }] };
    const [a, b] = await Promise.all([engine.translateBatch(req), engine.translateBatch(req)]);
    assert.deepEqual(a, b);
    assert.equal(a.billedCharacters, 0);
    assert.equal(engine.paid, false);
  });
});
