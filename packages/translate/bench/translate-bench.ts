/**
 * bench:translate — the scheduler against a fake OpenAI-compatible provider with 300 ms
 * latency, concurrency 4, 5 requests/s, batches of at most 4,000 characters and 50
 * segments, on the blocks of TAMReview.pdf. Then the same document again with the
 * translation memory warm: it must make no requests.
 *
 * Blocks come from `pdftotext` paragraphs (blank-line separated) until the layout
 * extractor can be called from here.
 */
import { execFileSync } from 'node:child_process';
import { corpusFile, requireCorpus, requireTools } from '@docat/testing';
import {
  InMemoryTranslationMemory,
  MemoryRateLimiter,
  OpenAiEngine,
  Translator,
  segmentBlocks,
  type Lease,
  type RateLimit,
  type RateLimiter,
  type SegmentableBlock,
} from '@docat/translate';
import { FakeOpenAiServer } from '@docat/translate/testing';

const LATENCY_MS = 300;
const CONCURRENCY = 4;
const PER_SECOND = 5;
const MAX_CHARS = 4000;
const MAX_SEGMENTS = 50;

for (const req of [requireTools('pdftotext'), requireCorpus('TAMReview.pdf')]) {
  if (!req.ok) {
    console.log(`bench:translate skipped: ${req.skip}`);
    process.exit(0);
  }
}

const text = execFileSync('pdftotext', ['-enc', 'UTF-8', corpusFile('TAMReview.pdf'), '-'], {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
const blocks: SegmentableBlock[] = text
  .split(/\n\s*\n/u)
  .map((p) =>
    p
      .replace(/-\n(?=\p{Ll})/gu, '')
      .replace(/\s+/gu, ' ')
      .trim(),
  )
  .filter((p) => p !== '')
  .map((p, i) => ({ id: `b${i}`, type: 'paragraph', text: p }));
const segments = segmentBlocks(blocks);

/** Records when each admitted request starts (the OpenAI engine is admitted inside its fetch). */
class RecordingLimiter implements RateLimiter {
  readonly grants: number[] = [];
  private readonly inner = new MemoryRateLimiter();
  async acquire(key: string, limit: RateLimit, signal?: AbortSignal): Promise<Lease> {
    const lease = await this.inner.acquire(key, limit, signal);
    return {
      started: () => {
        lease.started();
        this.grants.push(performance.now());
      },
      release: () => lease.release(),
    };
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function maxWithin(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let from = 0, to = 0; to < sorted.length; to++) {
    while (sorted[to]! - sorted[from]! >= windowMs) from++;
    best = Math.max(best, to - from + 1);
  }
  return best;
}

const limiter = new RecordingLimiter();
const server = await new FakeOpenAiServer({ latencyMs: LATENCY_MS }).start();
const engine = new OpenAiEngine({
  apiKeys: ['test-openai-key'],
  baseURL: server.baseURL,
  model: 'bench-model',
});
const memory = new InMemoryTranslationMemory();
const translator = new Translator(
  { limiter, memory },
  {
    batch: { maxChars: MAX_CHARS, maxSegments: MAX_SEGMENTS },
    limits: { openai: { concurrency: CONCURRENCY, requests: PER_SECOND, perMs: 1000 } },
  },
);

async function run(): Promise<{
  requests: number;
  wall: number;
  charactersSent: number;
  memoryHits: number;
}> {
  const before = server.translationRequests;
  const started = performance.now();
  const out = await translator.translate({
    accountId: 'bench',
    engines: [engine],
    source: 'en',
    target: 'de',
    segments,
  });
  const wall = (performance.now() - started) / 1000;
  return {
    requests: server.translationRequests - before,
    wall,
    charactersSent: out.charactersSent,
    memoryHits: out.memoryHits,
  };
}

try {
  const first = await run();
  await new Promise((r) => setTimeout(r, 50));
  const second = await run();
  const R = first.requests;
  const ideal = Math.max(R / PER_SECOND, Math.ceil(R / CONCURRENCY) * (LATENCY_MS / 1000));
  const ratio = first.wall / ideal;
  const minRequests = Math.ceil(first.charactersSent / MAX_CHARS);
  const translatable = segments.filter((s) => !s.untranslatable).length;
  console.log(
    `document        TAMReview.pdf: ${blocks.length} blocks, ${segments.length} segments (${translatable} translatable), ${first.charactersSent} characters sent`,
  );
  const granted = maxWithin(limiter.grants, 1000);
  console.log(
    `requests R      ${R}  (max in flight ${server.maxInFlight}; most requests admitted in any 1 s: ${granted}; most arriving at the fake in any 1 s: ${server.maxStartsWithin(1000)})`,
  );
  console.log(`wall            ${first.wall.toFixed(2)} s`);
  console.log(`ideal           max(R/5, ceil(R/4) x 0.3 s) = ${ideal.toFixed(2)} s`);
  console.log(`ratio           ${ratio.toFixed(3)}  (target <= 1.15)`);
  console.log(
    `R vs chars      ${R} vs ceil(${first.charactersSent}/${MAX_CHARS}) = ${minRequests}: ${(R / minRequests).toFixed(3)}  (target <= 1.1)`,
  );
  console.log(
    `second run      ${second.requests} requests, ${second.memoryHits} memory hits, ${second.wall.toFixed(3)} s  (target 0 requests)`,
  );
  const ok =
    ratio <= 1.15 &&
    R <= 1.1 * minRequests &&
    second.requests === 0 &&
    server.maxInFlight <= CONCURRENCY &&
    granted <= PER_SECOND;
  console.log(ok ? 'targets met' : 'TARGETS MISSED');
  process.exitCode = ok ? 0 : 1;
} finally {
  await server.close();
}
