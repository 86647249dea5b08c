import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Redis } from 'ioredis';
import {
  jobEventSchema,
  jobViewSchema,
  problemSchema,
  tokenPairSchema,
  type JobEvent,
  type JobView,
  type TokenPair,
} from '@docat/contracts';
import { jobEventLogName } from '@docat/service-kit';
import { corpusFile, requireCorpus } from '@docat/testing';
import { startGatewayStack, type GatewayStack } from '../testing/gateway.stack.js';
import { JobEventStreams } from './job-event-streams.service.js';

const corpus = requireCorpus('tracemonkey.pdf');

interface SseClient {
  status: number;
  contentType: string | undefined;
  events: JobEvent[];
  comments: string[];
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  waitForEvents(count: number, ms?: number): Promise<void>;
  close(): void;
}

/** A minimal SSE client over node:http, one socket per stream (no agent pooling). */
function openSse(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${baseUrl}${path}`,
      { headers: { accept: 'text/event-stream', ...headers }, agent: false },
      (res: IncomingMessage) => {
        const events: JobEvent[] = [];
        const comments: string[] = [];
        const waiters: { count: number; resolve: () => void }[] = [];
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let id: string | undefined;
            let data: string | undefined;
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('id: ')) id = line.slice(4);
              else if (line.startsWith('data: ')) data = line.slice(6);
            }
            if (data !== undefined) {
              const event = jobEventSchema.parse(JSON.parse(data));
              assert.equal(id, String(event.seq), 'the SSE id is the event seq');
              events.push(event);
            }
          }
          for (const waiter of [...waiters]) {
            if (events.length >= waiter.count) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve();
            }
          }
        });
        const ended = new Promise<void>((done) => res.on('end', () => done()));
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'],
          events,
          comments,
          ended,
          waitForEvents: (count, ms = 10_000) =>
            new Promise<void>((done, fail) => {
              if (events.length >= count) return done();
              const timer = setTimeout(
                () => fail(new Error(`only ${events.length} of ${count} events arrived`)),
                ms,
              );
              waiters.push({ count, resolve: () => (clearTimeout(timer), done()) });
            }),
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)),
    ),
  ]);
}

describe('GET /v1/jobs/:id/events (SSE)', { skip: corpus.skip }, () => {
  let stack: GatewayStack;
  let tracemonkey: Buffer;
  let alice: TokenPair;
  let bob: TokenPair;
  const bearer = (pair: TokenPair) => ({ authorization: `Bearer ${pair.accessToken}` });

  async function account(email: string): Promise<TokenPair> {
    const body = JSON.stringify({ email, password: 'a-long-password' });
    const headers = { 'content-type': 'application/json' };
    assert.equal(
      (await fetch(`${stack.baseUrl}/v1/auth/register`, { method: 'POST', headers, body })).status,
      202,
    );
    return tokenPairSchema.parse(
      await (
        await fetch(`${stack.baseUrl}/v1/auth/login`, { method: 'POST', headers, body })
      ).json(),
    );
  }

  /** A job of `owner` that the stub reports as still processing. */
  async function processingJob(owner: TokenPair): Promise<JobView> {
    const form = new FormData();
    form.append('targetLanguage', 'de');
    form.append('file', new Blob([tracemonkey]), 'tracemonkey.pdf');
    const response = await fetch(`${stack.baseUrl}/v1/documents`, {
      method: 'POST',
      headers: bearer(owner),
      body: form,
    });
    assert.equal(response.status, 202);
    const view = jobViewSchema.parse(await response.json());
    const stub = stack.ingestion.jobs.get(view.id);
    assert.ok(stub);
    stub.view = {
      ...stub.view,
      state: 'processing',
      stage: 'extract',
      progress: { percent: 0, stages: {} },
    };
    return stub.view;
  }

  function event(jobId: string, seq: number, type: JobEvent['type'] = 'progress'): JobEvent {
    const terminal = type === 'completed' || type === 'failed' || type === 'cancelled';
    return {
      jobId,
      seq,
      type,
      state: terminal ? (type as JobEvent['state']) : 'processing',
      stage: terminal ? 'done' : 'extract',
      progress: {
        percent: Math.min(100, seq * 10),
        stages: { extract: { done: seq, total: 14, unit: 'pages' } },
        etaSeconds: 5,
      },
      at: new Date().toISOString(),
    };
  }

  /** What the notification service does on each job event. */
  async function publish(e: JobEvent): Promise<void> {
    await stack.gateway.runtime.eventLog.append(
      jobEventLogName(e.jobId),
      e.seq,
      JSON.stringify(e),
      { maxLen: 1_000, ttlMs: 600_000 },
    );
  }

  before(async () => {
    stack = await startGatewayStack({
      SSE_HEARTBEAT_INTERVAL: '300ms',
      SSE_MAX_STREAMS_PER_ACCOUNT: '50',
      DOCAT_ADMIN_EMAIL: 'root@example.org',
      DOCAT_ADMIN_PASSWORD: 'root-password-long',
    });
    tracemonkey = await readFile(corpusFile('tracemonkey.pdf'));
    alice = await account('alice@example.org');
    bob = await account('bob@example.org');
  });

  after(async () => {
    await stack?.stop();
  });

  test('replays the missed events, follows live, ends after the terminal event', async () => {
    const job = await processingJob(alice);
    for (const seq of [1, 2, 3]) await publish(event(job.id, seq));
    const sse = await openSse(stack.baseUrl, `/v1/jobs/${job.id}/events`, bearer(alice));
    assert.equal(sse.status, 200);
    assert.equal(sse.contentType, 'text/event-stream; charset=utf-8');
    await sse.waitForEvents(3);
    await publish(event(job.id, 4));
    await publish(event(job.id, 4)); // a redelivered event reaches the client once
    await publish(event(job.id, 5, 'completed'));
    await within(sse.ended, 10_000, 'stream end after the terminal event');
    assert.deepEqual(
      sse.events.map((e) => e.seq),
      [1, 2, 3, 4, 5],
    );
    assert.equal(sse.events.at(-1)?.type, 'completed');
    assert.deepEqual(sse.events[1]?.progress?.stages.extract, {
      done: 2,
      total: 14,
      unit: 'pages',
    });
  });

  test('Last-Event-ID resumes exactly after the last event seen, live and for a finished job', async () => {
    const job = await processingJob(alice);
    for (const seq of [1, 2, 3]) await publish(event(job.id, seq));
    const first = await openSse(stack.baseUrl, `/v1/jobs/${job.id}/events`, bearer(alice));
    await first.waitForEvents(3);
    first.close();
    await publish(event(job.id, 4));
    const resumed = await openSse(stack.baseUrl, `/v1/jobs/${job.id}/events`, {
      ...bearer(alice),
      'last-event-id': String(first.events.at(-1)!.seq),
    });
    await resumed.waitForEvents(1);
    await publish(event(job.id, 5));
    await publish(event(job.id, 6, 'failed'));
    await within(resumed.ended, 10_000, 'resumed stream end');
    assert.deepEqual(
      [...first.events, ...resumed.events].map((e) => e.seq),
      [1, 2, 3, 4, 5, 6],
    );

    // Once the job has finished, the stream answers what is left and ends at once.
    stack.ingestion.jobs.get(job.id)!.view.state = 'failed';
    const late = await openSse(
      stack.baseUrl,
      `/v1/jobs/${job.id}/events?lastEventId=4`,
      bearer(alice),
    );
    await within(late.ended, 5_000, 'finished job stream end');
    assert.deepEqual(
      late.events.map((e) => e.seq),
      [5, 6],
    );
  });

  test('another user gets a 404 problem before any stream starts; a malformed Last-Event-ID is a 400', async () => {
    const job = await processingJob(alice);
    const stranger = await fetch(`${stack.baseUrl}/v1/jobs/${job.id}/events`, {
      headers: bearer(bob),
    });
    assert.equal(stranger.status, 404);
    assert.equal(stranger.headers.get('content-type'), 'application/problem+json');
    assert.equal(problemSchema.parse(await stranger.json()).code, 'NOT_FOUND');
    const bad = await fetch(`${stack.baseUrl}/v1/jobs/${job.id}/events`, {
      headers: { ...bearer(alice), 'last-event-id': 'x' },
    });
    assert.equal(bad.status, 400);
    assert.equal(problemSchema.parse(await bad.json()).code, 'VALIDATION_FAILED');
    const anonymous = await fetch(`${stack.baseUrl}/v1/jobs/${job.id}/events`);
    assert.equal(anonymous.status, 401);
  });

  test('an idle stream gets heartbeat comments; a client leaving closes its stream', async () => {
    const job = await processingJob(alice);
    const streams = stack.gateway.app.get(JobEventStreams);
    const before = streams.size;
    const sse = await openSse(stack.baseUrl, `/v1/jobs/${job.id}/events`, bearer(alice));
    await new Promise((r) => setTimeout(r, 800));
    assert.ok(
      sse.comments.filter((c) => c === 'heartbeat').length >= 2,
      `heartbeats: ${sse.comments.length}`,
    );
    assert.equal(streams.size, before + 1);
    sse.close();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(streams.size, before);
  });

  test('500 open streams add at most one event-log Redis connection and all receive every event', async () => {
    const probe = new Redis(stack.config.redis.url!);
    const name = `${stack.config.redis.keyPrefix}:event-log`;
    const eventLogConnections = async () =>
      String(await probe.call('CLIENT', 'LIST'))
        .split('\n')
        .filter((line) => line.includes(` name=${name} `)).length;
    // Ten accounts, each with one job and as many streams as an account may hold.
    const owners = await Promise.all(
      Array.from({ length: 10 }, (_, i) => account(`many-${i}@example.org`)),
    );
    const jobs = await Promise.all(owners.map((owner) => processingJob(owner)));
    const clients: SseClient[] = [];
    try {
      const before = await eventLogConnections();
      for (let i = 0; i < 10; i++) {
        clients.push(
          ...(await Promise.all(
            Array.from({ length: 50 }, () =>
              openSse(stack.baseUrl, `/v1/jobs/${jobs[i]!.id}/events`, bearer(owners[i]!)),
            ),
          )),
        );
      }
      assert.ok(clients.every((c) => c.status === 200));
      assert.equal(stack.gateway.app.get(JobEventStreams).size, 500);
      const during = await eventLogConnections();
      // Four services share this process (gateway, auth, the engines module, the ingestion
      // stub), each with one event-log command connection; the gateway adds one shared
      // reader however many streams are open.
      assert.ok(
        during <= before + 1 && during <= 5,
        `event-log connections: ${before} before, ${during} with 500 streams`,
      );
    } finally {
      await probe.quit();
    }
    for (const job of jobs) {
      await publish(event(job.id, 1));
      await publish(event(job.id, 2, 'completed'));
    }
    await within(Promise.all(clients.map((c) => c.ended)), 20_000, '500 streams to end');
    for (const client of clients)
      assert.deepEqual(
        client.events.map((e) => e.seq),
        [1, 2],
      );
  });

  test('an account holds at most SSE_MAX_STREAMS_PER_ACCOUNT streams: the next is 429 with Retry-After, and a closed one frees its slot', async () => {
    const carol = await account('carol@example.org');
    const job = await processingJob(carol);
    const clients = await Promise.all(
      Array.from({ length: 50 }, () =>
        openSse(stack.baseUrl, `/v1/jobs/${job.id}/events`, bearer(carol)),
      ),
    );
    try {
      assert.ok(clients.every((c) => c.status === 200));
      const refused = await fetch(`${stack.baseUrl}/v1/jobs/${job.id}/events`, {
        headers: bearer(carol),
      });
      assert.equal(refused.status, 429);
      assert.equal(problemSchema.parse(await refused.json()).code, 'RATE_LIMITED');
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      // Another account is not affected.
      const other = await openSse(
        stack.baseUrl,
        `/v1/jobs/${(await processingJob(bob)).id}/events`,
        bearer(bob),
      );
      assert.equal(other.status, 200);
      other.close();
      clients.pop()!.close();
      await new Promise((r) => setTimeout(r, 100));
      const again = await openSse(stack.baseUrl, `/v1/jobs/${job.id}/events`, bearer(carol));
      assert.equal(again.status, 200);
      clients.push(again);
    } finally {
      for (const c of clients) c.close();
    }
  });

  test('a stream ends when its session is signed out, its API key revoked, or the account disabled; the old token cannot reopen it', async () => {
    const dave = await account('dave@example.org');
    const job = await processingJob(dave);
    const json = (pair: TokenPair) => ({ ...bearer(pair), 'content-type': 'application/json' });

    // Signing out this one session (from another session of the same account).
    const second = tokenPairSchema.parse(
      await (
        await fetch(`${stack.baseUrl}/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'dave@example.org', password: 'a-long-password' }),
        })
      ).json(),
    );
    const onSecond = await openSse(stack.baseUrl, `/v1/jobs/${job.id}/events`, bearer(second));
    const onFirst = await openSse(stack.baseUrl, `/v1/jobs/${job.id}/events`, bearer(dave));
    const sessions = (await (
      await fetch(`${stack.baseUrl}/v1/sessions`, { headers: bearer(dave) })
    ).json()) as { items: { id: string; current?: boolean }[] };
    const secondSid = JSON.parse(
      Buffer.from(second.accessToken.split('.')[1]!, 'base64url').toString('utf8'),
    ) as { sid: string };
    assert.ok(sessions.items.some((x) => x.id === secondSid.sid));
    assert.equal(
      (
        await fetch(`${stack.baseUrl}/v1/sessions/${secondSid.sid}`, {
          method: 'DELETE',
          headers: bearer(dave),
        })
      ).status,
      204,
    );
    await within(onSecond.ended, 3_000, 'the revoked session stream to end');
    assert.ok(
      onSecond.comments.some((c) => c.includes('reconnect')),
      onSecond.comments.join(' | '),
    );
    assert.equal(
      (await fetch(`${stack.baseUrl}/v1/jobs/${job.id}/events`, { headers: bearer(second) }))
        .status,
      401,
    );

    // An API key's stream ends when the key is revoked.
    const key = (await (
      await fetch(`${stack.baseUrl}/v1/api-keys`, {
        method: 'POST',
        headers: json(dave),
        body: JSON.stringify({ name: 'stream' }),
      })
    ).json()) as { id: string; key: string };
    const onKey = await openSse(stack.baseUrl, `/v1/jobs/${job.id}/events`, {
      'x-api-key': key.key,
    });
    assert.equal(onKey.status, 200);
    assert.equal(
      (
        await fetch(`${stack.baseUrl}/v1/api-keys/${key.id}`, {
          method: 'DELETE',
          headers: bearer(dave),
        })
      ).status,
      204,
    );
    await within(onKey.ended, 3_000, 'the revoked API key stream to end');

    // Signing out everywhere ends the rest.
    const signOut = await fetch(`${stack.baseUrl}/v1/sessions`, {
      method: 'DELETE',
      headers: bearer(dave),
    });
    assert.equal(signOut.status, 200);
    await within(onFirst.ended, 3_000, 'the signed-out stream to end');

    // A disabled account loses its streams at once.
    const erin = await account('erin@example.org');
    const erinJob = await processingJob(erin);
    const onErin = await openSse(stack.baseUrl, `/v1/jobs/${erinJob.id}/events`, bearer(erin));
    const admin = tokenPairSchema.parse(
      await (
        await fetch(`${stack.baseUrl}/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'root@example.org', password: 'root-password-long' }),
        })
      ).json(),
    );
    const erinId = (
      (await (await fetch(`${stack.baseUrl}/v1/me`, { headers: bearer(erin) })).json()) as {
        id: string;
      }
    ).id;
    assert.equal(
      (
        await fetch(`${stack.baseUrl}/v1/admin/users/${erinId}/disable`, {
          method: 'POST',
          headers: bearer(admin),
        })
      ).status,
      200,
    );
    await within(onErin.ended, 3_000, 'the disabled account stream to end');
  });
});
