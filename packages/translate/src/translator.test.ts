import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DocatError } from '@docat/contracts';
import { InMemoryTranslationMemory } from './memory/in-memory.memory.js';
import { MemoryRateLimiter } from '@docat/request-limiter';
import { segmentBlocks } from './segment.js';
import { FakeEngine, engineError } from './testing/fake-engine.js';
import { reasonOf, Translator, type EngineCall, type TranslatorConfig } from './translator.js';
import { engineChain } from './engines/registry.js';
import { PseudoEngine } from './engines/pseudo.engine.js';

const WORDS = [
  'alpha',
  'bravo',
  'charlie',
  'delta',
  'echo',
  'foxtrot',
  'golf',
  'hotel',
  'india',
  'juliet',
  'kilo',
  'lima',
];

/** A distinct sentence of about 100 characters. */
function sentence(i: number): string {
  const words = Array.from(
    { length: 14 },
    (_, k) => WORDS[(i * 7 + k * ((i % 5) + 1)) % WORDS.length],
  );
  return `Sentence ${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + (Math.floor(i / 26) % 26))} says ${words.join(' ')}.`;
}

function doc(indices: number[]): ReturnType<typeof segmentBlocks> {
  return segmentBlocks(
    indices.map((i) => ({ id: `p${i}`, type: 'paragraph' as const, text: sentence(i) })),
    { shortBlockChars: 400 },
  );
}

function translator(config: TranslatorConfig = {}, memory?: InMemoryTranslationMemory): Translator {
  return new Translator(
    { limiter: new MemoryRateLimiter(), ...(memory ? { memory } : {}) },
    { retry: { attempts: 3, baseMs: 20, maxMs: 100 }, ...config },
  );
}

describe('Translator scheduling', () => {
  test('never exceeds concurrency 4 and 5 requests per second', async (t) => {
    const engine = new FakeEngine({ latencyMs: 300 });
    const tr = translator({
      batch: { maxSegments: 1 },
      limits: { openai: { concurrency: 4, requests: 5, perMs: 1000 } },
    });
    const started = performance.now();
    const out = await tr.translate({
      accountId: 'a',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments: doc([...Array(12).keys()]),
    });
    const wall = performance.now() - started;
    t.diagnostic(
      `requests=${engine.requests} maxInFlight=${engine.maxInFlight} maxPerSecond=${engine.maxStartsWithin(1000)} wall=${Math.round(wall)}ms`,
    );
    assert.equal(engine.requests, 12);
    assert.ok(engine.maxInFlight <= 4);
    assert.ok(
      engine.maxStartsWithin(1000) <= 5,
      `at most 5 starts in any second, saw ${engine.maxStartsWithin(1000)}`,
    );
    assert.ok(
      wall >= 2000 && wall < 3000,
      `12 requests at 5/s take 2.3 s, took ${Math.round(wall)} ms`,
    );
    assert.equal(out.requests.openai, 12);
  });

  test('batches are bounded by characters and segments', async () => {
    const engine = new FakeEngine();
    await translator({ batch: { maxChars: 350, maxSegments: 50 } }).translate({
      accountId: 'a',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments: doc([...Array(10).keys()]),
    });
    assert.ok(
      engine.batches.every((b) => b.length <= 3),
      JSON.stringify(engine.batches),
    );
    assert.equal(engine.batches.flat().length, 10);
    const bySegments = new FakeEngine();
    await translator({ batch: { maxChars: 100_000, maxSegments: 4 } }).translate({
      accountId: 'a',
      engines: [bySegments],
      source: 'en',
      target: 'de',
      segments: doc([...Array(10).keys()]),
    });
    assert.deepEqual(
      bySegments.batches.map((b) => b.length),
      [4, 4, 2],
    );
  });

  test('identical segments are sent once; untranslatable ones never', async () => {
    const engine = new FakeEngine();
    const segments = segmentBlocks([
      { id: 'h1', type: 'header', text: 'Annual report' },
      { id: 'h2', type: 'header', text: 'Annual  report' },
      { id: 'n', type: 'paragraph', text: '12.5 % (2024)' },
    ]);
    const progress: number[] = [];
    const out = await translator().translate({
      accountId: 'a',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments,
      onProgress: (p) => progress.push(p.done),
    });
    assert.equal(engine.characters, 'Annual report'.length);
    assert.equal(out.texts.get('h2:0'), '[de] Annual report');
    assert.equal(out.texts.get('n:0'), '12.5 % (2024)');
    assert.equal(progress.at(-1), 3);
  });

  test('Retry-After pauses the engine for at least that long', async () => {
    const engine = new FakeEngine({
      fail: (n) => (n === 1 ? engineError('openai', 'rate_limited', 300) : undefined),
    });
    await translator().translate({
      accountId: 'a',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments: doc([1]),
    });
    assert.equal(engine.requests, 2);
    assert.ok(engine.startTimes[1]! - engine.startTimes[0]! >= 295);
  });
});

describe('Translator engine reports', () => {
  test('every attempt is reported with its outcome, duration and billed characters', async () => {
    const calls: EngineCall[] = [];
    const deepl = new FakeEngine({
      name: 'deepl',
      fail: (n) =>
        n === 1 ? engineError('deepl', 'rate_limited', 10) : engineError('deepl', 'rejected'),
    });
    const openai = new FakeEngine({ name: 'openai', latencyMs: 20 });
    const tr = new Translator(
      { limiter: new MemoryRateLimiter(), onEngineCall: (c) => calls.push(c) },
      { retry: { attempts: 3, baseMs: 5, maxMs: 20 } },
    );
    const out = await tr.translate({
      accountId: 'a',
      engines: [deepl, openai],
      source: 'en',
      target: 'de',
      segments: doc([1, 2]),
    });
    assert.deepEqual(
      calls.map((c) => `${c.engine}:${c.outcome}`),
      ['deepl:rate_limited', 'deepl:error', 'openai:ok'],
    );
    // The rate-limited attempt is tried again; the refused one is not (retrying cannot help).
    assert.deepEqual(
      calls.map((c) => `${c.attempt}:${c.willRetry}`),
      ['1:true', '2:false', '1:false'],
    );
    const ok = calls[2]!;
    assert.equal(ok.billedCharacters, out.billedCharacters.openai);
    assert.ok(ok.billedCharacters > 0);
    assert.ok(ok.seconds >= 0.015, `the attempt took the engine's latency, saw ${ok.seconds}`);
    assert.equal(calls[0]!.billedCharacters, 0);
  });
});

describe('Translator fallback', () => {
  test('moves to the next engine after persistent failure and records who served', async () => {
    const deepl = new FakeEngine({
      name: 'deepl',
      fail: () => engineError('deepl', 'unavailable'),
    });
    const openai = new FakeEngine({ name: 'openai' });
    const out = await translator().translate({
      accountId: 'a',
      engines: [deepl, openai],
      source: 'en',
      target: 'de',
      segments: doc([1, 2, 3]),
    });
    assert.equal(
      deepl.requests,
      3,
      'three attempts on the failing engine, then it is skipped for later batches',
    );
    assert.ok(out.segments.every((s) => s.engine === 'openai'));
    assert.equal(out.warnings.filter((w) => w.kind === 'engine_fallback').length, 1);
  });

  test("a failure of the request limiter is not the engine's: no fallback, no ENGINE_UNAVAILABLE", async () => {
    const deepl = new FakeEngine({ name: 'deepl' });
    const openai = new FakeEngine({ name: 'openai' });
    const gone = new Error('Connection is closed.');
    const limiter = new MemoryRateLimiter();
    const tr = new Translator(
      {
        limiter: {
          acquire: () => Promise.reject(gone),
          close: () => limiter.close(),
        },
      },
      { retry: { attempts: 3, baseMs: 20, maxMs: 100 } },
    );
    const translating = tr.translate({
      accountId: 'a',
      engines: [deepl, openai],
      source: 'en',
      target: 'de',
      segments: doc([1]),
    });
    await assert.rejects(translating, (err) => err === gone, 'the limiter error goes up as it is');
    assert.equal(deepl.requests + openai.requests, 0, 'no engine was asked, none was marked down');
  });

  test('a rejected request (auth, quota) falls back at once', async () => {
    const deepl = new FakeEngine({ name: 'deepl', fail: () => engineError('deepl', 'rejected') });
    const openai = new FakeEngine({ name: 'openai' });
    await translator().translate({
      accountId: 'a',
      engines: [deepl, openai],
      source: 'en',
      target: 'de',
      segments: doc([1]),
    });
    assert.equal(deepl.requests, 1);
    assert.equal(openai.requests, 1);
  });

  test("the error names the engine's reason, masking anything key-like, in one bounded line", () => {
    assert.equal(reasonOf(undefined), '');
    assert.equal(
      reasonOf(
        new Error(
          'openai: 401 Incorrect API key provided:\n sk-proj-abcdefghijklmnopqrstuvwxyz0123456789.',
        ),
      ),
      ': openai: 401 Incorrect API key provided: ….',
    );
    assert.equal(
      reasonOf(new Error('anthropic: 401 {"type":"authentication_error"}')),
      ': anthropic: 401 {"type":"authentication_error"}',
    );
    const long = reasonOf(new Error(`deepl: ${'word '.repeat(100)}`));
    assert.equal(long.length, 2 + 300);
    assert.ok(long.endsWith('…'));
  });

  test('pseudo never stands in for a real engine', async () => {
    const deepl = new FakeEngine({
      name: 'deepl',
      fail: () => engineError('deepl', 'unavailable'),
    });
    await assert.rejects(
      translator().translate({
        accountId: 'a',
        engines: [deepl, new PseudoEngine()],
        source: 'en',
        target: 'de',
        segments: doc([1]),
      }),
      (err: unknown) => err instanceof DocatError && err.code === 'ENGINE_UNAVAILABLE',
    );
    assert.throws(
      () => engineChain('openai', {}),
      (err: unknown) => err instanceof DocatError && err.code === 'ENGINE_UNAVAILABLE',
    );
    assert.deepEqual(
      engineChain('deepl', {
        DEEPL_AUTH_KEY: 'k',
        OPENAI_API_KEY: 'k',
        TRANSLATION_ENGINES: 'openai,deepl',
      }).map((e) => e.name),
      ['deepl', 'openai'],
    );
  });

  test('a free engine bills nothing, whatever it reports sending', async () => {
    const free = new FakeEngine({ name: 'libretranslate', paid: false });
    const paid = new FakeEngine({ name: 'deepl' });
    const a = await translator().translate({
      accountId: 'a',
      engines: [free],
      source: 'en',
      target: 'de',
      segments: doc([1, 2]),
    });
    const b = await translator().translate({
      accountId: 'a',
      engines: [paid],
      source: 'en',
      target: 'de',
      segments: doc([1, 2]),
    });
    assert.ok(free.characters > 0);
    assert.equal(a.billedCharacters.libretranslate, 0);
    assert.equal(b.billedCharacters.deepl, paid.characters);
  });

  test('a pseudo job says so in its warnings', async () => {
    const out = await translator().translate({
      accountId: 'a',
      engines: [new PseudoEngine()],
      source: 'en',
      target: 'ja',
      segments: doc([1]),
    });
    assert.equal(out.warnings[0]!.kind, 'pseudo_engine');
    assert.ok(out.texts.get('p1:0')!.startsWith('⟪'));
  });

  test('placeholders lost by every engine are repaired, never dropped', async () => {
    const lossy = new FakeEngine({ translate: (text) => text.replace(/⟦\d+⟧/gu, '') });
    const out = await translator().translate({
      accountId: 'a',
      engines: [lossy],
      source: 'en',
      target: 'de',
      segments: segmentBlocks([{ id: 'b', type: 'paragraph', text: 'Revenue rose 12% in 2024.' }]),
    });
    assert.equal(lossy.requests, 2, 'the batch, then the bad segment alone');
    assert.equal(out.segments[0]!.repaired, true);
    assert.match(out.texts.get('b:0')!, /12%.*2024/u);
  });
});

describe('Translator cancellation', () => {
  test('an abort stops at once and issues no further requests', async () => {
    const engine = new FakeEngine({ latencyMs: 200 });
    const controller = new AbortController();
    const tr = translator({
      batch: { maxSegments: 1 },
      limits: { openai: { concurrency: 2, requests: 100, perMs: 1000 } },
    });
    const running = tr.translate({
      accountId: 'a',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments: doc([...Array(10).keys()]),
      signal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 50));
    const abortedAt = performance.now();
    controller.abort();
    await assert.rejects(
      running,
      (err: unknown) => err instanceof DocatError && err.code === 'JOB_CANCELLED',
    );
    assert.ok(performance.now() - abortedAt < 50, 'rejects without waiting for in-flight requests');
    const requestsAtAbort = engine.requests;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(engine.requests, requestsAtAbort);
    assert.equal(requestsAtAbort, 2);
  });
});

describe('Translator with translation memory', () => {
  test('the same document twice makes zero requests the second time', async () => {
    const memory = new InMemoryTranslationMemory();
    const engine = new FakeEngine();
    const tr = translator({}, memory);
    const segments = doc([...Array(30).keys()]);
    const first = await tr.translate({
      accountId: 'acc',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments,
    });
    await new Promise((r) => setImmediate(r));
    const requests = engine.requests;
    const second = await tr.translate({
      accountId: 'acc',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments,
    });
    assert.equal(engine.requests, requests);
    assert.equal(second.memoryHits, 30);
    assert.deepEqual(second.texts, first.texts);
    assert.ok(second.segments.every((s) => s.fromMemory));
    await tr.translate({
      accountId: 'other',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments,
    });
    assert.ok(engine.requests > requests, 'memory is private to each account');
    const before = engine.requests;
    await tr.translate({
      accountId: 'acc',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments,
      useMemory: false,
    });
    assert.ok(engine.requests > before, 'useMemory=false bypasses memory');
    const formal = engine.requests;
    await tr.translate({
      accountId: 'acc',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments,
      formality: 'more',
    });
    assert.ok(engine.requests > formal, 'formality is part of the key');
  });

  test('a document sharing half its sentences sends 45-55% of its characters', async (t) => {
    const memory = new InMemoryTranslationMemory();
    const engine = new FakeEngine();
    const tr = translator({}, memory);
    await tr.translate({
      accountId: 'acc',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments: doc([...Array(40).keys()]),
    });
    await new Promise((r) => setImmediate(r));
    const second = doc(
      [...Array(20).keys()].map((i) => i * 2).concat([...Array(20).keys()].map((i) => 100 + i)),
    );
    const total = second.reduce((n, s) => n + s.text.length, 0);
    const before = engine.characters;
    const out = await tr.translate({
      accountId: 'acc',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments: second,
    });
    const ratio = (engine.characters - before) / total;
    t.diagnostic(
      `sent ${engine.characters - before} of ${total} characters (${(ratio * 100).toFixed(1)}%)`,
    );
    assert.ok(ratio >= 0.45 && ratio <= 0.55);
    assert.equal(out.charactersSent, engine.characters - before);
  });
});
