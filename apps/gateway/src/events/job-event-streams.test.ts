import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { PassThrough } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { EventLogPort } from '@docat/service-kit';
import type { GatewaySettings } from '../gateway.settings.js';
import { JobEventStreams } from './job-event-streams.service.js';

/** An event log that never has anything: streams stay open until something ends them. */
const quietLog = {
  follow: () => ({ close: () => undefined }),
  read: async () => [],
} as unknown as EventLogPort;

const settings = {
  sseHeartbeatMs: 60_000,
  sseMaxStreamsPerAccount: 2,
  sseMaxStreamsPerProcess: 3,
} as GatewaySettings;

function fakeReply(): {
  reply: FastifyReply;
  body: () => PassThrough | undefined;
  headers: Record<string, string>;
  ended: Promise<string>;
} {
  const headers: Record<string, string> = {};
  let body: PassThrough | undefined;
  let resolveEnded!: (text: string) => void;
  const ended = new Promise<string>((r) => (resolveEnded = r));
  const reply = {
    raw: new EventEmitter(),
    header(name: string, value: string) {
      headers[name] = value;
      return reply;
    },
    send(stream: PassThrough) {
      body = stream;
      let text = '';
      stream.on('data', (c: Buffer) => (text += c.toString()));
      stream.on('end', () => resolveEnded(text));
      return reply;
    },
  };
  return { reply: reply as unknown as FastifyReply, body: () => body, headers, ended };
}

describe('job event streams', () => {
  test('a stream opened with an access token ends when the token expires, saying why', async () => {
    const streams = new JobEventStreams(quietLog, settings);
    const { reply, ended } = fakeReply();
    const expiresAt = Math.floor(Date.now() / 1000) + 1;
    streams.start('00000000-0000-7000-8000-000000000001', 0, false, reply, {
      id: 'u1',
      role: 'user',
      plan: 'free',
      via: 'access-token',
      expiresAt,
    });
    assert.equal(streams.size, 1);
    const text = await ended;
    assert.match(text, /access token expired: reconnect/);
    assert.equal(streams.size, 0);
    assert.ok(Date.now() >= expiresAt * 1000 - 5, 'not before the expiry');
  });

  test('per-account and per-process caps answer 429 with Retry-After', () => {
    const streams = new JobEventStreams(quietLog, settings);
    const user = (id: string) => ({
      id,
      role: 'user' as const,
      plan: 'free',
      via: 'api-key' as const,
    });
    for (let i = 0; i < 2; i++) {
      const { reply } = fakeReply();
      streams.admit('a', reply);
      streams.start(`job-${i}`, 0, false, reply, user('a'));
    }
    const refused = fakeReply();
    assert.throws(
      () => streams.admit('a', refused.reply),
      (err: { code?: string }) => err.code === 'RATE_LIMITED',
    );
    assert.ok(Number(refused.headers['retry-after']) > 0);
    const { reply } = fakeReply();
    streams.admit('b', reply);
    streams.start('job-b', 0, false, reply, user('b'));
    assert.throws(
      () => streams.admit('c', fakeReply().reply),
      (err: { code?: string }) => err.code === 'RATE_LIMITED',
      'the process is full',
    );
    streams.beforeApplicationShutdown();
    assert.equal(streams.size, 0);
  });
});
