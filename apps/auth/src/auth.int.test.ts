import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import pg from 'pg';
import { generateKey, loadConfig, type DocatConfig } from '@docat/config';
import {
  ACCESS_TOKEN,
  DocatError,
  RPC,
  type Jwks,
  type TokenPair,
  type UserView,
} from '@docat/contracts';
import { bootstrapService, createClusterRuntime, type RunningService } from '@docat/service-kit';
import { FsStorage } from '@docat/storage';
import { freshDatabase, freshRedisPrefix, type FreshDatabase } from '@docat/testing';
import { AUTH_PATTERNS, AuthModule } from './auth.module.js';

function startAuth(config: DocatConfig, dir: string): Promise<RunningService> {
  return bootstrapService({
    service: 'auth',
    module: AuthModule.register(),
    runtime: () => createClusterRuntime(config, { storage: new FsStorage(dir), migrate: true }),
    claims: { patterns: AUTH_PATTERNS },
    managementPort: null,
    exitOnShutdown: false,
  });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof DocatError ? error.code : `not a DocatError: ${String(error)}`;
  }
}

describe('auth service over the Redis Streams transport and PostgreSQL', () => {
  const redis = freshRedisPrefix();
  let db: FreshDatabase;
  let dir: string;
  let config: DocatConfig;
  let service: RunningService;
  const call = <T>(pattern: string, data: unknown) =>
    service.runtime.bus.call<T>(pattern, data, { timeoutMs: 10_000 });

  before(async () => {
    db = await freshDatabase();
    dir = await mkdtemp(join(tmpdir(), 'docat-auth-'));
    config = loadConfig({
      DOCAT_MODE: 'cluster',
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: redis.prefix.replace(/:$/, ''),
      DOCAT_ENCRYPTION_KEY: generateKey(),
      DOCAT_DATA_DIR: dir,
      // Auth stores no objects; the runtime below gets a folder store.
      S3_BUCKET: 'unused',
      JWT_ACCESS_TTL_SECONDS: '600',
      DOCAT_ADMIN_EMAIL: 'root@example.org',
      DOCAT_ADMIN_PASSWORD: 'admin-password-1',
    });
    service = await startAuth(config, dir);
  });

  after(async () => {
    await service?.shutdown('test end');
    await db?.drop();
    await redis.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('register creates a user; the same email in another case is taken', async () => {
    const user = await call<UserView>(RPC.AUTH_REGISTER, {
      email: 'Ada@Example.org',
      password: 'correct horse',
    });
    assert.equal(user.email, 'ada@example.org');
    assert.equal(user.role, 'user');
    assert.equal(user.plan, 'free');
    assert.equal(
      await codeOf(call(RPC.AUTH_REGISTER, { email: 'ADA@example.ORG', password: 'another one' })),
      'EMAIL_TAKEN',
    );
    assert.equal(
      await codeOf(call(RPC.AUTH_REGISTER, { email: 'not-an-email', password: 'correct horse' })),
      'VALIDATION_FAILED',
    );
    assert.equal(
      await codeOf(call(RPC.AUTH_REGISTER, { email: 'b@example.org', password: 'short' })),
      'VALIDATION_FAILED',
    );
  });

  test('the configured administrator exists after boot', async () => {
    const pair = await call<TokenPair>(RPC.AUTH_LOGIN, {
      email: 'root@example.org',
      password: 'admin-password-1',
    });
    const jwks = await call<Jwks>(RPC.AUTH_JWKS, {});
    const { payload } = await jwtVerify(pair.accessToken, createLocalJWKSet(jwks), {
      issuer: ACCESS_TOKEN.issuer,
      audience: ACCESS_TOKEN.audience,
    });
    assert.equal(payload.role, 'admin');
  });

  test('login checks the password and returns an EdDSA access token the JWKS verifies', async () => {
    await call(RPC.AUTH_REGISTER, { email: 'grace@example.org', password: 'hopper-1906' });
    assert.equal(
      await codeOf(
        call(RPC.AUTH_LOGIN, { email: 'grace@example.org', password: 'wrong-password' }),
      ),
      'INVALID_CREDENTIALS',
    );
    assert.equal(
      await codeOf(call(RPC.AUTH_LOGIN, { email: 'nobody@example.org', password: 'hopper-1906' })),
      'INVALID_CREDENTIALS',
    );
    const pair = await call<TokenPair>(RPC.AUTH_LOGIN, {
      email: 'GRACE@example.org',
      password: 'hopper-1906',
    });
    assert.equal(pair.tokenType, 'Bearer');
    assert.equal(pair.expiresIn, 600);
    const jwks = await call<Jwks>(RPC.AUTH_JWKS, {});
    assert.equal(jwks.keys.length, 1);
    const { payload, protectedHeader } = await jwtVerify(
      pair.accessToken,
      createLocalJWKSet(jwks),
      {
        algorithms: ['EdDSA'],
        issuer: ACCESS_TOKEN.issuer,
        audience: ACCESS_TOKEN.audience,
        typ: ACCESS_TOKEN.type,
      },
    );
    assert.equal(protectedHeader.kid, jwks.keys[0]!.kid);
    assert.equal(payload.exp! - payload.iat!, 600);
    const me = await call<UserView>(RPC.AUTH_ME, { userId: payload.sub });
    assert.equal(me.email, 'grace@example.org');
  });

  test('refresh rotates; replaying a rotated token revokes the whole family but not other sessions', async () => {
    await call(RPC.AUTH_REGISTER, { email: 'linus@example.org', password: 'penguin-1991' });
    const first = await call<TokenPair>(RPC.AUTH_LOGIN, {
      email: 'linus@example.org',
      password: 'penguin-1991',
    });
    const otherSession = await call<TokenPair>(RPC.AUTH_LOGIN, {
      email: 'linus@example.org',
      password: 'penguin-1991',
    });

    const second = await call<TokenPair>(RPC.AUTH_REFRESH, { refreshToken: first.refreshToken });
    assert.notEqual(second.refreshToken, first.refreshToken);
    const third = await call<TokenPair>(RPC.AUTH_REFRESH, { refreshToken: second.refreshToken });

    // The first token was already used: a replay means a copy exists somewhere.
    assert.equal(
      await codeOf(call(RPC.AUTH_REFRESH, { refreshToken: first.refreshToken })),
      'TOKEN_INVALID',
    );
    // ... so the newest token of that family is dead too.
    assert.equal(
      await codeOf(call(RPC.AUTH_REFRESH, { refreshToken: third.refreshToken })),
      'TOKEN_INVALID',
    );
    // Another login of the same user is its own family and keeps working.
    const stillFine = await call<TokenPair>(RPC.AUTH_REFRESH, {
      refreshToken: otherSession.refreshToken,
    });
    assert.ok(stillFine.accessToken);
  });

  test('two concurrent refreshes of one token: one wins, and the reuse ends the session', async () => {
    await call(RPC.AUTH_REGISTER, { email: 'race@example.org', password: 'concurrent-1' });
    const pair = await call<TokenPair>(RPC.AUTH_LOGIN, {
      email: 'race@example.org',
      password: 'concurrent-1',
    });
    const results = await Promise.allSettled([
      call<TokenPair>(RPC.AUTH_REFRESH, { refreshToken: pair.refreshToken }),
      call<TokenPair>(RPC.AUTH_REFRESH, { refreshToken: pair.refreshToken }),
    ]);
    const won = results.filter(
      (r): r is PromiseFulfilledResult<TokenPair> => r.status === 'fulfilled',
    );
    assert.equal(won.length, 1);
    assert.equal(
      await codeOf(call(RPC.AUTH_REFRESH, { refreshToken: won[0]!.value.refreshToken })),
      'TOKEN_INVALID',
    );
  });

  test('logout ends the session; unknown and malformed tokens are refused', async () => {
    await call(RPC.AUTH_REGISTER, { email: 'bye@example.org', password: 'see-you-later' });
    const pair = await call<TokenPair>(RPC.AUTH_LOGIN, {
      email: 'bye@example.org',
      password: 'see-you-later',
    });
    assert.deepEqual(await call(RPC.AUTH_LOGOUT, { refreshToken: pair.refreshToken }), {
      ok: true,
    });
    assert.equal(
      await codeOf(call(RPC.AUTH_REFRESH, { refreshToken: pair.refreshToken })),
      'TOKEN_INVALID',
    );
    assert.equal(
      await codeOf(call(RPC.AUTH_REFRESH, { refreshToken: 'A'.repeat(43) })),
      'TOKEN_INVALID',
    );
    assert.equal(await codeOf(call(RPC.AUTH_REFRESH, { refreshToken: 'short' })), 'TOKEN_INVALID');
    assert.equal(
      await codeOf(call(RPC.AUTH_ME, { userId: '00000000-0000-7000-8000-000000000000' })),
      'NOT_FOUND',
    );
  });

  test('the signing key is stored encrypted and survives a restart, so issued tokens stay valid', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ private_key_secret: string }>(
        'SELECT private_key_secret FROM auth.signing_keys',
      );
      assert.equal(rows.length, 1);
      assert.match(rows[0]!.private_key_secret, /^enc:v1:/);
      assert.ok(!rows[0]!.private_key_secret.includes('PRIVATE KEY'));
    } finally {
      await client.end();
    }
    const before = await call<Jwks>(RPC.AUTH_JWKS, {});
    const pair = await call<TokenPair>(RPC.AUTH_LOGIN, {
      email: 'grace@example.org',
      password: 'hopper-1906',
    });
    await service.shutdown('restart');
    service = await startAuth(config, dir);
    const afterRestart = await call<Jwks>(RPC.AUTH_JWKS, {});
    assert.deepEqual(afterRestart, before);
    await jwtVerify(pair.accessToken, createLocalJWKSet(afterRestart), {
      issuer: ACCESS_TOKEN.issuer,
      audience: ACCESS_TOKEN.audience,
    });
    const refreshed = await call<TokenPair>(RPC.AUTH_REFRESH, { refreshToken: pair.refreshToken });
    assert.ok(refreshed.accessToken);
  });
});
