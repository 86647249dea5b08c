import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startWarnings, translationWarnings } from './warnings.js';

describe('job warnings', () => {
  test('a pseudo job is labelled once at its start, saying why pseudo was chosen', () => {
    assert.deepEqual(startWarnings({ engine: 'deepl', reason: 'requested' }), []);
    const [fallback] = startWarnings({ engine: 'pseudo', reason: 'pseudo-fallback' });
    assert.equal(fallback?.kind, 'pseudo_engine');
    assert.match(fallback!.message, /No translation engine is configured/);
    assert.match(
      startWarnings({ engine: 'pseudo', reason: 'requested' })[0]!.message,
      /not by a real translation engine/,
    );
  });

  test('from translation, fallbacks and repaired placeholders are kept; the pseudo label is not repeated', () => {
    const kept = translationWarnings([
      { kind: 'pseudo_engine', detail: 'pseudo' },
      { kind: 'engine_fallback', detail: 'deepl failed, used google' },
      { kind: 'placeholder_repaired', detail: 'segment 3' },
    ]);
    assert.deepEqual(
      kept.map((w) => w.kind),
      ['engine_fallback', 'placeholder_repaired'],
    );
    assert.equal(kept[0]!.message, 'deepl failed, used google');
  });
});
