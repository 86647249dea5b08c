import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { DocatError } from '@docat/contracts';
import { EngineError } from '../engines/engine-error.js';
import { createGlossary } from '../glossary.js';
import { MemoryRateLimiter } from '@docat/request-limiter';
import { reassemble, segmentBlocks } from '../segment.js';
import { Translator } from '../translator.js';
import type { TranslationEngine } from '../types.js';
import type { FakeProviderServer, FakeServerOptions } from './fake-server.js';

export interface EngineConformance<S extends FakeProviderServer> {
  label: string;
  server: (options: FakeServerOptions) => S;
  engine: (server: S) => TranslationEngine;
  /** LLM engines re-ask and split on bad replies; machine translation engines are retried. */
  protocol: 'llm' | 'mt';
  /** Whether the SDK lets the engine see Retry-After (deepl-node does not). */
  seesRetryAfter: boolean;
  /** Extra assertions after a glossary run (e.g. a native glossary was created). */
  glossaryCheck?: (server: S) => void;
}

const SEGMENTS = [
  { id: 's1', text: 'Revenue rose ⟦0⟧ in ⟦1⟧.' },
  { id: 's2', text: 'Fish & chips <cost> ⟦0⟧ "each".' },
];

function translator(): Translator {
  return new Translator(
    { limiter: new MemoryRateLimiter() },
    { retry: { attempts: 3, baseMs: 40, maxMs: 200 } },
  );
}

function document(): ReturnType<typeof segmentBlocks> {
  return segmentBlocks([
    { id: 'b1', type: 'paragraph', text: 'Revenue rose 12% in 2024.' },
    { id: 'b2', type: 'paragraph', text: 'See https://example.com/report for the full report.' },
  ]);
}

/** Style pairs as each engine's wire carries them: DeepL's `<g>`, Google's `<span id>`, the canonical `⟦n⟧…⟦/n⟧` elsewhere. */
const STYLED = /(<g i="\d+">[^<]*<\/g>|<span id="s\d+">[^<]*<\/span>|⟦(\d+)⟧[^⟦]*⟦\/\2⟧)/u;
const TAG = /(<[^>]+>|⟦[^⟧]*⟧|&[a-z]+;)/u;

/**
 * A fake translation that changes every word and moves the first styled stretch to the
 * end, as a language with another word order would: the style must follow its words.
 */
function reorderingTranslate(text: string, target: string): string {
  const upper = text
    .split(TAG)
    .map((part) => (TAG.test(part) ? part : part.toUpperCase()))
    .join('');
  const styled = STYLED.exec(upper);
  const moved = styled
    ? `${upper
        .replace(styled[0], '')
        .replace(/\s{2,}/gu, ' ')
        .trim()} ${styled[0]}`
    : upper;
  return `[${target}] ${moved}`;
}

/** A reply that lost the opening (or, on the canonical wire, the closing) half of every style pair. */
function styleLosingTranslate(text: string, target: string): string {
  return `[${target}] ${text.replace(/<g i="\d+">|<span id="s\d+">|⟦\/\d+⟧/gu, '')}`;
}

const STYLED_BLOCK = {
  id: 'm',
  type: 'paragraph' as const,
  text: 'Bold words open it, then plain text and a link here.',
  marks: [
    { start: 0, end: 10, bold: true },
    { start: 42, end: 46, href: 'https://example.com/docs' },
  ],
};

/** The error a translation of the test document with `engine` alone fails with. */
async function failureOf(engine: TranslationEngine): Promise<DocatError> {
  const failure = await translator()
    .translate({
      accountId: 'a',
      engines: [engine],
      source: 'en',
      target: 'de',
      segments: document(),
    })
    .then(
      () => assert.fail('the translation succeeded'),
      (err: unknown) => err,
    );
  assert.ok(failure instanceof DocatError, String(failure));
  return failure;
}

/** The behaviour every engine must show against its fake provider server. */
export function describeEngineConformance<S extends FakeProviderServer>(
  spec: EngineConformance<S>,
): void {
  describe(`${spec.label} engine against its fake server`, () => {
    const servers: S[] = [];
    const start = async (
      options: FakeServerOptions = {},
    ): Promise<{ server: S; engine: TranslationEngine }> => {
      const server = await spec.server(options).start();
      servers.push(server);
      return { server, engine: spec.engine(server) };
    };
    after(async () => {
      await Promise.all(servers.map((s) => s.close()));
    });

    test('translates a batch in one request, placeholders and markup characters intact', async () => {
      const { server, engine } = await start();
      const result = await engine.translateBatch({
        source: 'en',
        target: 'de',
        segments: SEGMENTS,
      });
      assert.deepEqual(
        result.translations,
        SEGMENTS.map((s) => ({ id: s.id, text: `[de] ${s.text}` })),
      );
      assert.equal(server.translationRequests, 1);
      assert.deepEqual(server.rejections, []);
      assert.ok(server.characters > 0);
      assert.ok(result.billedCharacters >= SEGMENTS.reduce((n, s) => n + s.text.length, 0));
    });

    test('429 surfaces as rate_limited with its Retry-After, and the translator waits for it', async () => {
      const { server, engine } = await start({
        faults: { 1: { kind: 'status', status: 429, retryAfter: '1' } },
      });
      await assert.rejects(
        engine.translateBatch({ source: 'en', target: 'de', segments: SEGMENTS }),
        (err: unknown) => {
          assert.ok(err instanceof EngineError);
          assert.equal(err.kind, 'rate_limited');
          if (spec.seesRetryAfter) assert.equal(err.retryAfterMs, 1000);
          return true;
        },
      );
      const { server: s2, engine: e2 } = await start({
        faults: { 1: { kind: 'status', status: 429, retryAfter: '1' } },
      });
      const out = await translator().translate({
        accountId: 'a',
        engines: [e2],
        source: 'en',
        target: 'de',
        segments: document(),
      });
      assert.equal(s2.translationRequests, 2);
      const [first, second] = s2.startTimes();
      if (spec.seesRetryAfter)
        assert.ok(second! - first! >= 990, `retried after ${Math.round(second! - first!)} ms`);
      assert.match(out.texts.get('b1:0')!, /^\[de\] Revenue rose 12% in 2024\.$/u);
      assert.equal(server.translationRequests, 1);
    });

    test('5xx is retried', async () => {
      const { server, engine } = await start({
        faults: { 1: { kind: 'status', status: 503 }, 2: { kind: 'status', status: 500 } },
      });
      const out = await translator().translate({
        accountId: 'a',
        engines: [engine],
        source: 'en',
        target: 'de',
        segments: document(),
      });
      assert.equal(server.translationRequests, 3);
      assert.equal(
        out.texts.get('b2:0'),
        '[de] See https://example.com/report for the full report.',
      );
    });

    test('a refused key fails at once with ENGINE_AUTH, saying why in words the user can act on, without the key', async () => {
      const { server, engine } = await start({
        faults: { 1: { kind: 'status', status: 403 } },
      });
      const failure = await failureOf(engine);
      assert.equal(failure.code, 'ENGINE_AUTH');
      assert.equal(server.translationRequests, 1, 'a refusal is not retried');
      console.log(`${spec.label}: ${failure.message}`);
      assert.match(failure.message, new RegExp(`\\(${engine.name}\\): ${engine.name}: \\S`, 'u'));
      assert.match(failure.message, /403|forbidden|authori[sz]ation/iu);
      assert.doesNotMatch(inspect(failure, { depth: 8 }), /test-[a-z]+-key/u);
    });

    test('an engine that takes the request and never answers is ENGINE_TIMEOUT by its deadline, naming its host', async () => {
      const { server, engine } = await start({ faults: () => ({ kind: 'hang', ms: 20_000 }) });
      engine.timeouts = { connectMs: 100, responseMs: 300, perThousandCharsMs: 0, deadlineMs: 900 };
      const started = Date.now();
      const failure = await failureOf(engine);
      const took = Date.now() - started;
      console.log(`${spec.label}: ${failure.message} (${took} ms)`);
      assert.equal(failure.code, 'ENGINE_TIMEOUT');
      assert.match(
        failure.message,
        /no answer from 127\.0\.0\.1:\d+ in 0\.\d s \(\d attempts in \d(\.\d)? s; see ENGINE_RESPONSE_TIMEOUT and ENGINE_DEADLINE\)/u,
      );
      assert.ok(took < 2_500, `failed after ${took} ms, past its 0.9 s deadline`);
      assert.ok(
        server.translationRequests >= 2,
        'a timed-out request is tried again within the deadline',
      );
    });

    test('an engine slower than the connect timeout but within the response timeout still translates', async () => {
      const { engine } = await start({ latencyMs: 400 });
      engine.timeouts = {
        connectMs: 100,
        responseMs: 1_500,
        perThousandCharsMs: 0,
        deadlineMs: 3_000,
      };
      const out = await translator().translate({
        accountId: 'a',
        engines: [engine],
        source: 'en',
        target: 'de',
        segments: document(),
      });
      assert.match(out.texts.get('b1:0')!, /^\[de\] Revenue rose 12% in 2024\.$/u);
    });

    test('an engine that cannot be reached is ENGINE_UNAVAILABLE, and the message says it could not connect', async () => {
      const { server, engine } = await start();
      await server.close();
      const failure = await failureOf(engine);
      console.log(`${spec.label}: ${failure.message}`);
      assert.equal(failure.code, 'ENGINE_UNAVAILABLE');
      assert.match(failure.message, /connect|ECONNREFUSED|fetch failed|network/iu);
      // Neither the message nor anything it carries (its causes, as a log would print them) holds the key.
      assert.doesNotMatch(inspect(failure, { depth: 8 }), /test-[a-z]+-key/u);
    });

    if (spec.protocol === 'llm') {
      test('a bad reply is re-asked once', async () => {
        const { server, engine } = await start({ faults: { 1: { kind: 'malformed' } } });
        const result = await engine.translateBatch({
          source: 'en',
          target: 'de',
          segments: SEGMENTS,
        });
        assert.equal(server.translationRequests, 2);
        assert.deepEqual(
          result.translations.map((t) => t.id),
          ['s1', 's2'],
        );
      });
      test('a reply bad twice splits the batch', async () => {
        const { server, engine } = await start({
          faults: { 1: { kind: 'malformed' }, 2: { kind: 'malformed' } },
        });
        const result = await engine.translateBatch({
          source: 'en',
          target: 'de',
          segments: SEGMENTS,
        });
        assert.equal(server.translationRequests, 4);
        assert.deepEqual(
          result.translations,
          SEGMENTS.map((s) => ({ id: s.id, text: `[de] ${s.text}` })),
        );
      });
    } else {
      test('an unparsable reply is retried', async () => {
        const { server, engine } = await start({ faults: { 1: { kind: 'malformed' } } });
        const out = await translator().translate({
          accountId: 'a',
          engines: [engine],
          source: 'en',
          target: 'de',
          segments: document(),
        });
        assert.equal(server.translationRequests, 2);
        assert.equal(out.texts.get('b1:0'), '[de] Revenue rose 12% in 2024.');
      });
      test('a lost placeholder is caught and the segment re-sent alone', async () => {
        const { server, engine } = await start({ faults: { 1: { kind: 'lose-placeholder' } } });
        const out = await translator().translate({
          accountId: 'a',
          engines: [engine],
          source: 'en',
          target: 'de',
          segments: document(),
        });
        assert.equal(out.texts.get('b1:0'), '[de] Revenue rose 12% in 2024.');
        assert.equal(
          out.texts.get('b2:0'),
          '[de] See https://example.com/report for the full report.',
        );
        assert.equal(server.translationRequests, 3);
        assert.ok(out.segments.every((s) => !s.repaired));
      });
    }

    test('glossary terms appear in the output', async () => {
      const { server, engine } = await start({
        translate: (text, target) => `[${target}] ${text}`,
      });
      const glossary = createGlossary({ source: 'en', target: 'de' }, [
        { term: 'Revenue', translation: 'Umsatz' },
        { term: 'full report', translation: 'Gesamtbericht' },
      ]);
      const out = await translator().translate({
        accountId: 'a',
        engines: [engine],
        source: 'en',
        target: 'de',
        segments: document(),
        glossary,
      });
      assert.equal(out.texts.get('b1:0'), '[de] Umsatz rose 12% in 2024.');
      assert.equal(
        out.texts.get('b2:0'),
        '[de] See https://example.com/report for the Gesamtbericht.',
      );
      spec.glossaryCheck?.(server);
    });

    test('inline style pairs travel with the words they style', async () => {
      const { server, engine } = await start({ translate: reorderingTranslate });
      const segments = segmentBlocks([STYLED_BLOCK]);
      assert.match(
        segments[0]!.text,
        /^⟦0⟧Bold words⟦\/0⟧ open it, then plain text and a ⟦1⟧link⟦\/1⟧ here\.$/u,
      );
      const out = await translator().translate({
        accountId: 'a',
        engines: [engine],
        source: 'en',
        target: 'de',
        segments,
      });
      const block = reassemble(segments, out.texts).get('m')!;
      assert.equal(block.text, '[de] OPEN IT, THEN PLAIN TEXT AND A LINK HERE. BOLD WORDS');
      const marked = (block.marks ?? []).map((m) => ({
        text: block.text.slice(m.start, m.end),
        bold: m.bold,
        href: m.href,
      }));
      assert.deepEqual(marked, [
        { text: 'LINK', bold: undefined, href: 'https://example.com/docs' },
        { text: 'BOLD WORDS', bold: true, href: undefined },
      ]);
      assert.deepEqual(
        out.warnings.filter((w) => w.kind === 'style_dropped'),
        [],
      );
      assert.equal(server.translationRequests, 1);
    });

    test('a reply that loses its style pairs keeps the text, drops the style and warns', async () => {
      const { server, engine } = await start({ translate: styleLosingTranslate });
      const segments = segmentBlocks([
        STYLED_BLOCK,
        { id: 'n', type: 'paragraph', text: 'Revenue rose 12% in 2024.' },
      ]);
      const out = await translator().translate({
        accountId: 'a',
        engines: [engine],
        source: 'en',
        target: 'de',
        segments,
      });
      const blocks = reassemble(segments, out.texts);
      const block = blocks.get('m')!;
      assert.equal(block.text, '[de] Bold words open it, then plain text and a link here.');
      assert.equal(block.marks, undefined);
      assert.doesNotMatch(block.text, /[⟦⟧<>]/u, 'no token or tag leaks into the text');
      assert.equal(blocks.get('n')!.text, '[de] Revenue rose 12% in 2024.');
      assert.equal(out.warnings.filter((w) => w.kind === 'style_dropped').length, 1);
      assert.ok(out.segments.find((s) => s.id === 'm:0')!.styleDropped);
      // A lost style is not worth a second request: the text came back whole.
      assert.equal(server.translationRequests, 1);
    });

    test('lists languages and reports health', async () => {
      const { engine } = await start();
      const languages = await engine.languages();
      assert.ok(languages.target.includes('de'));
      const health = await engine.health();
      assert.equal(health.ok, true, health.detail);
    });
  });
}
