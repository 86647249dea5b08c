import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { pino } from 'pino';
import { REDACTED_PATHS } from './logger.js';
import {
  defaultRequestLevel,
  logHttpRequests,
  sampledRequestLevel,
  type RequestLevel,
} from './request-log.js';

type Hook = (request: unknown, reply: unknown, done: () => void) => void;

/** A Fastify-like host: records the hook so the test can run it as Fastify would after a response. */
function host() {
  const hooks: Hook[] = [];
  return {
    addHook(name: string, hook: Hook) {
      assert.equal(name, 'onResponse');
      hooks.push(hook);
    },
    respond(method: string, url: string, status: number, headers: Record<string, string> = {}) {
      const request = { id: 'req-7', method, url, raw: { headers } as unknown as IncomingMessage };
      let called = false;
      for (const hook of hooks)
        hook(request, { statusCode: status, elapsedTime: 3.4 }, () => (called = true));
      assert.ok(called, 'the hook calls done');
    },
  };
}

function sink(level: pino.LevelWithSilent = 'debug') {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

describe('HTTP request lines', () => {
  test('one line per request with method, URL, status, time and request id; only harmless headers', () => {
    const { logger, lines } = sink();
    const server = host();
    assert.equal(logHttpRequests(server, logger), true);
    server.respond('GET', '/v1/jobs/abc?format=pdf&token=s3cr3t', 200, {
      authorization: 'Bearer eyJhbGciOi.secret.sig',
      cookie: 'docat_refresh=r3fr3sh',
      'x-api-key': 'dk_live_key',
      'user-agent': 'curl/8',
    });
    assert.equal(lines.length, 1);
    const line = lines[0]!;
    assert.equal(line['level'], 'debug');
    assert.equal(line['msg'], 'GET /v1/jobs/abc?format=pdf&token=[Redacted] 200');
    assert.equal(line['requestId'], 'req-7');
    assert.equal(line['responseTime'], 3);
    assert.deepEqual(line['req'], {
      method: 'GET',
      url: '/v1/jobs/abc?format=pdf&token=[Redacted]',
      headers: { 'user-agent': 'curl/8' },
    });
    assert.deepEqual(line['res'], { statusCode: 200 });
    const text = JSON.stringify(line);
    for (const secret of ['s3cr3t', 'eyJhbGciOi', 'r3fr3sh', 'dk_live_key'])
      assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  });

  test('levels: client errors warn, server errors error and say failed, health polls silent', () => {
    const { logger, lines } = sink();
    const server = host();
    logHttpRequests(server, logger);
    server.respond('POST', '/v1/documents', 404);
    server.respond('GET', '/v1/jobs/x', 503);
    server.respond('GET', '/healthz', 500);
    server.respond('GET', '/readyz?probe=1', 200);
    assert.deepEqual(
      lines.map((l) => [l['level'], l['msg']]),
      [
        ['warn', 'POST /v1/documents 404'],
        ['error', 'GET /v1/jobs/x 503 failed'],
      ],
    );
  });

  test('successful reads are debug, changes info', () => {
    assert.equal(defaultRequestLevel('GET', '/v1/jobs/a', 200, false), 'debug');
    assert.equal(defaultRequestLevel('HEAD', '/v1/jobs/a/result', 304, false), 'debug');
    assert.equal(defaultRequestLevel('POST', '/v1/documents', 202, false), 'info');
    assert.equal(defaultRequestLevel('DELETE', '/v1/jobs/a', 200, false), 'info');
    assert.equal(defaultRequestLevel('GET', '/v1/jobs/a', 200, true), 'error');
  });

  test('a line whose level is off is not built; a custom level rule is followed', () => {
    const { logger, lines } = sink('info');
    const server = host();
    const seen: unknown[][] = [];
    const reads: RequestLevel = (method, url, status, failed) => {
      seen.push([method, url, status, failed]);
      return method === 'GET' && status < 400 ? 'trace' : 'info';
    };
    logHttpRequests(server, logger, reads);
    server.respond('GET', '/v1/jobs/abc', 200);
    server.respond('DELETE', '/v1/jobs/abc', 200);
    assert.deepEqual(seen, [
      ['GET', '/v1/jobs/abc', 200, false],
      ['DELETE', '/v1/jobs/abc', 200, false],
    ]);
    assert.deepEqual(
      lines.map((l) => l['msg']),
      ['DELETE /v1/jobs/abc 200'],
    );
  });

  test('a server that is not Fastify gets nothing installed', () => {
    assert.equal(logHttpRequests({}, sink().logger), false);
    assert.equal(logHttpRequests(null, sink().logger), false);
  });
});

describe('sampled read requests (LOG_READ_REQUESTS_SAMPLE)', () => {
  test('that share of successful reads logs at info; the other levels are unchanged', () => {
    let i = 0;
    const sequence = () => (i++ % 10) / 10; // 0.0, 0.1, ... 0.9
    const level = sampledRequestLevel(0.25, sequence);
    const levels = Array.from({ length: 100 }, () => level('GET', '/v1/jobs', 200, false));
    assert.equal(
      levels.filter((l) => l === 'info').length,
      30,
      'draws 0.0, 0.1 and 0.2 fall under 0.25',
    );
    assert.equal(levels.filter((l) => l === 'debug').length, 70);
    assert.equal(level('GET', '/v1/jobs', 404, false), 'warn');
    assert.equal(level('POST', '/v1/documents', 202, false), 'info');
    assert.equal(level('GET', '/healthz', 200, false), 'silent');
    assert.equal(sampledRequestLevel(0), defaultRequestLevel, 'no sample: the default rule itself');
  });
});
