import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DocatError } from '@docat/contracts';
import { GLOSSARY_MAX_BYTES, GLOSSARY_MAX_TERM_CHARS, glossaryFromEntries, glossaryToCsv, parseGlossaryCsv } from './glossary.js';

const pair = { source: 'en', target: 'de' };

describe('parseGlossaryCsv', () => {
  test('reads quoted fields, CRLF, a BOM and an optional header', () => {
    const g = parseGlossaryCsv('\ufeffterm,translation\r\nengine,Motor\r\n"pull request","Pull-Request, offen"\r\n"say ""hi""",sag hallo\r\n\r\n', pair);
    assert.deepEqual(g.entries, [
      { term: 'engine', translation: 'Motor' },
      { term: 'pull request', translation: 'Pull-Request, offen' },
      { term: 'say "hi"', translation: 'sag hallo' },
    ]);
  });
  test('works without a header and with a line break inside quotes', () => {
    const g = parseGlossaryCsv('a,b\n"multi\nline",x', pair);
    assert.deepEqual(g.entries.map((e) => e.term), ['a', 'multi\nline']);
  });
  test('rejects duplicate terms, wrong widths and empty fields, naming the lines', () => {
    assert.throws(
      () => parseGlossaryCsv('a,b\nc\na,d\n,e', pair),
      (err: unknown) => err instanceof DocatError && err.code === 'VALIDATION_FAILED' && err.errors!.map((e) => e.path).join(' ') === 'line 2 line 3 line 4',
    );
    assert.throws(() => parseGlossaryCsv('"open,b', pair), DocatError);
  });
  test('rejects oversized input', () => {
    assert.throws(() => parseGlossaryCsv('a,b\n'.repeat(GLOSSARY_MAX_BYTES / 4 + 1), pair), /exceeds/);
  });
  test('version depends on content and pair, not on order', () => {
    const a = parseGlossaryCsv('x,1\ny,2', pair);
    const b = parseGlossaryCsv('y,2\nx,1', pair);
    const c = parseGlossaryCsv('x,1\ny,3', pair);
    const d = parseGlossaryCsv('x,1\ny,2', { source: 'en', target: 'fr' });
    assert.equal(a.version, b.version);
    assert.notEqual(a.version, c.version);
    assert.notEqual(a.version, d.version);
  });
  test('CSV round trip', () => {
    const g = parseGlossaryCsv('"a, b","say ""x"""\nc,d', pair);
    assert.deepEqual(parseGlossaryCsv(glossaryToCsv(g), pair).entries, g.entries);
  });
});

describe('glossaryFromEntries', () => {
  test('trims the pairs and gives the version a CSV import of the same terms gives', () => {
    const edited = glossaryFromEntries([{ term: ' engine ', translation: 'Motor ' }, { term: 'cloud', translation: 'Wolke' }], pair);
    assert.deepEqual(edited.entries, [
      { term: 'engine', translation: 'Motor' },
      { term: 'cloud', translation: 'Wolke' },
    ]);
    assert.equal(edited.version, parseGlossaryCsv('cloud,Wolke\nengine,Motor', pair).version);
  });
  test('applies the import rules, naming each bad entry by its index', () => {
    assert.throws(
      () =>
        glossaryFromEntries(
          [
            { term: 'a', translation: 'b' },
            { term: ' ', translation: 'x' },
            { term: 'a', translation: 'c' },
            { term: 'long', translation: 'y'.repeat(GLOSSARY_MAX_TERM_CHARS + 1) },
          ],
          pair,
        ),
      (err: unknown) =>
        err instanceof DocatError &&
        err.code === 'VALIDATION_FAILED' &&
        err.errors!.map((e) => e.path).join(' ') === 'entries[1] entries[2] entries[3]' &&
        /first on entries\[0\]/.test(err.errors![1]!.message),
    );
  });
  test('an empty list is a glossary without terms', () => {
    assert.equal(glossaryFromEntries([], pair).entries.length, 0);
  });
});
