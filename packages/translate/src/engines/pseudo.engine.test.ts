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
  test('is deterministic and free', async () => {
    const engine = new PseudoEngine();
    const req = { target: 'ru', segments: [{ id: 'a', text: 'Hello world' }] };
    const [a, b] = await Promise.all([engine.translateBatch(req), engine.translateBatch(req)]);
    assert.deepEqual(a, b);
    assert.equal(a.billedCharacters, 0);
    assert.equal(engine.paid, false);
  });
});
