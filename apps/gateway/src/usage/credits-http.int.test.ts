import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { AUTH_PATTERNS, AuthModule } from '@docat/auth';
import { ENGINES_PATTERNS, EnginesModule } from '@docat/engines';
import { loadConfig } from '@docat/config';
import {
  tokenPairSchema,
  type DryRun,
  type Problem,
  type TokenPair,
  type Usage,
} from '@docat/contracts';
import { INGESTION_CLAIMS, IngestionModule } from '@docat/ingestion';
import { bootstrapService, createClusterRuntime } from '@docat/service-kit';
import { createStorage, type ObjectStorage } from '@docat/storage';
import { corpusFile, requireCorpus, serviceFixture, type ServiceFixture } from '@docat/testing';
import { gatewayHttpOptions } from '../gateway.http.js';
import { GatewayModule } from '../gateway.module.js';

const corpus = requireCorpus('tracemonkey.pdf');

/**
 * Credits as a client sees them: the gateway with the real auth and ingestion services
 * (no workers), a grant of 20 credits a month, and tracemonkey.pdf (14 text pages).
 */
describe('credits over HTTP: 402 before any work, dry run, usage', { skip: corpus.skip }, () => {
  let fx: ServiceFixture;
  let storage: ObjectStorage;
  let baseUrl: string;
  let sql: pg.Client;
  let tracemonkey: Buffer;

  const url = (path: string) => `${baseUrl}${path}`;
  const bearer = (pair: TokenPair) => ({ authorization: `Bearer ${pair.accessToken}` });

  async function account(): Promise<{ pair: TokenPair; id: string }> {
    const body = JSON.stringify({
      email: `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}@example.org`,
      password: 'a-long-password',
    });
    const headers = { 'content-type': 'application/json' };
    const registered = await fetch(url('/v1/auth/register'), { method: 'POST', headers, body });
    assert.equal(registered.status, 202, await registered.clone().text());
    const login = await fetch(url('/v1/auth/login'), { method: 'POST', headers, body });
    assert.equal(login.status, 200);
    const pair = tokenPairSchema.parse(await login.json());
    const me = await fetch(url('/v1/me'), {
      headers: { authorization: `Bearer ${pair.accessToken}` },
    });
    const { id } = (await me.json()) as { id: string };
    return { pair, id };
  }

  function form(fields: Record<string, string> = { targetLanguage: 'de' }): FormData {
    const data = new FormData();
    for (const [name, value] of Object.entries(fields)) data.append(name, value);
    data.append('file', new Blob([tracemonkey], { type: 'application/pdf' }), 'tracemonkey.pdf');
    return data;
  }

  async function uploads(): Promise<string[]> {
    const keys: string[] = [];
    for await (const info of storage.list('uploads/')) keys.push(info.key);
    return keys;
  }

  async function usage(pair: TokenPair): Promise<Usage> {
    const res = await fetch(url('/v1/usage'), { headers: bearer(pair) });
    assert.equal(res.status, 200);
    return (await res.json()) as Usage;
  }

  before(async () => {
    if (corpus.skip) return;
    fx = await serviceFixture();
    const config = loadConfig(fx.env('cluster', { CREDITS_PLAN_FREE: '20' }));
    storage = createStorage(config);
    const runtime = () => createClusterRuntime(config, { storage, migrate: true });
    const common = { managementPort: null, exitOnShutdown: false } as const;
    fx.own(
      await bootstrapService({
        service: 'auth',
        module: AuthModule.register(),
        runtime,
        claims: { patterns: AUTH_PATTERNS },
        ...common,
      }),
    );
    fx.own(
      await bootstrapService({
        service: 'translation',
        module: EnginesModule,
        runtime,
        claims: { patterns: [...ENGINES_PATTERNS] },
        ...common,
      }),
    );
    fx.own(
      await bootstrapService({
        service: 'ingestion',
        module: IngestionModule.register(),
        runtime,
        claims: INGESTION_CLAIMS,
        ...common,
      }),
    );
    const gateway = fx.own(
      await bootstrapService({
        service: 'gateway',
        module: GatewayModule.register(),
        runtime,
        http: { ...gatewayHttpOptions(config), port: 0, host: '127.0.0.1' },
        transport: false,
        ...common,
      }),
    );
    baseUrl = `http://127.0.0.1:${gateway.httpPort}`;
    sql = fx.sql;
    tracemonkey = await readFile(corpusFile('tracemonkey.pdf'));
  });

  after(() => fx?.close());

  test('an unverified account gets 402 INSUFFICIENT_CREDITS as problem+json, and nothing is kept', async () => {
    const { pair } = await account();
    const before = await usage(pair);
    assert.deepEqual(
      [before.plan, before.emailVerified, before.granted, before.available],
      ['free', false, 0, 0],
    );
    const res = await fetch(url('/v1/documents'), {
      method: 'POST',
      headers: bearer(pair),
      body: form(),
    });
    assert.equal(res.status, 402);
    assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    const problem = (await res.json()) as Problem;
    assert.equal(problem.code, 'INSUFFICIENT_CREDITS');
    assert.match(problem.detail ?? '', /needs up to 14 credits; 0 are available.*verified/);
    assert.deepEqual(await uploads(), []);
    const jobs = (await (await fetch(url('/v1/jobs'), { headers: bearer(pair) })).json()) as {
      items: unknown[];
    };
    assert.equal(jobs.items.length, 0);
  });

  test('a dry run answers 200 with the estimate, creates no job and keeps no file', async () => {
    const { pair, id } = await account();
    await sql.query(`UPDATE auth.users SET email_verified_at = now() WHERE id = $1`, [id]);
    const res = await fetch(url('/v1/documents?dryRun=true'), {
      method: 'POST',
      headers: { ...bearer(pair), 'idempotency-key': 'ignored' },
      body: form({ targetLanguage: 'de', pages: '1-10' }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const dry = (await res.json()) as DryRun;
    assert.deepEqual(
      [
        dry.dryRun,
        dry.pages,
        dry.selectedPages,
        dry.scannedPages,
        dry.estimatedCredits,
        dry.available,
        dry.sufficient,
      ],
      [true, 14, 10, 0, 10, 20, true],
    );
    assert.equal(res.headers.get('location'), null);
    assert.deepEqual(await uploads(), []);
    const jobs = (await (await fetch(url('/v1/jobs'), { headers: bearer(pair) })).json()) as {
      items: unknown[];
    };
    assert.equal(jobs.items.length, 0);
    const bad = await fetch(url('/v1/documents?dryRun=yes'), {
      method: 'POST',
      headers: bearer(pair),
      body: form(),
    });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as Problem).code, 'VALIDATION_FAILED');
  });

  test('a verified account starts a job that fits (202) and is refused the next (402); usage shows the reservation', async () => {
    const { pair, id } = await account();
    await sql.query(`UPDATE auth.users SET email_verified_at = now() WHERE id = $1`, [id]);
    const first = await fetch(url('/v1/documents'), {
      method: 'POST',
      headers: bearer(pair),
      body: form(),
    });
    assert.equal(first.status, 202, await first.clone().text());
    assert.match(first.headers.get('location') ?? '', /^\/v1\/jobs\//);
    const second = await fetch(url('/v1/documents'), {
      method: 'POST',
      headers: bearer(pair),
      body: form({ targetLanguage: 'fr' }),
    });
    assert.equal(second.status, 402);
    assert.equal(((await second.json()) as Problem).code, 'INSUFFICIENT_CREDITS');
    const now = await usage(pair);
    assert.deepEqual([now.granted, now.used, now.reserved, now.available], [20, 0, 14, 6]);
    assert.deepEqual(now.rates, { textPage: 1, ocrPage: 5, translationPer1000Characters: 1 });
    const cancelled = await fetch(url(first.headers.get('location')!), {
      method: 'DELETE',
      headers: bearer(pair),
    });
    assert.equal(cancelled.status, 200);
    const released = await usage(pair);
    assert.deepEqual([released.used, released.reserved, released.available], [0, 0, 20]);
  });
});
