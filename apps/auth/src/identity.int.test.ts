import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import pg from 'pg';
import { generateKey, loadConfig, type DocatConfig } from '@docat/config';
import {
  ACCESS_TOKEN,
  API_KEY_SHAPE,
  DocatError,
  RPC,
  type AdminUserList,
  type AdminUserView,
  type ApiKeyPrincipal,
  type ApiKeyView,
  type CreatedApiKey,
  type InviteView,
  type Jwks,
  type SessionView,
  type TokenPair,
  type UserView,
} from '@docat/contracts';
import { bootstrapService, createClusterRuntime, type RunningService } from '@docat/service-kit';
import { FsStorage } from '@docat/storage';
import { freshDatabase, freshRedisPrefix, type FreshDatabase } from '@docat/testing';
import { AUTH_PATTERNS, AuthModule } from './auth.module.js';
import { SigningKeysService } from './keys/signing-keys.service.js';
import { PasswordResetService } from './mail/password-reset.service.js';
import { EmailVerificationService } from './mail/email-verification.service.js';
import { MemoryMailer } from './mail/mailer.js';

const ADMIN = { email: 'root@example.org', password: 'admin-password-1' };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof DocatError ? error.code : `not a DocatError: ${String(error)}`;
  }
}

interface AuthUnderTest {
  service: RunningService;
  mailer: MemoryMailer;
  call<T>(pattern: string, data: unknown): Promise<T>;
}

describe('identity: sessions, mail links, API keys, registration modes, admin, key rotation', () => {
  const redis = freshRedisPrefix();
  const extraPrefixes: ReturnType<typeof freshRedisPrefix>[] = [];
  let db: FreshDatabase;
  let dir: string;
  let sql: pg.Client;
  const started: RunningService[] = [];
  let auth: AuthUnderTest;
  /** The main instance's signing-key timing; tests change the publish lead in place. */
  const timing = { publishLeadMs: 0 };

  /** Each auth instance gets its own transport prefix: on a shared one, any replica could answer a call. */
  async function startAuth(
    env: Record<string, string> = {},
    prefix = redis,
    signingKeyTiming = { publishLeadMs: 0 },
  ): Promise<AuthUnderTest> {
    const config: DocatConfig = loadConfig({
      DOCAT_MODE: 'cluster',
      DATABASE_URL: db.url,
      REDIS_URL: prefix.url,
      REDIS_KEY_PREFIX: prefix.prefix.replace(/:$/, ''),
      DOCAT_ENCRYPTION_KEY: KEY,
      DOCAT_DATA_DIR: dir,
      S3_BUCKET: 'unused',
      JWT_ACCESS_TTL_SECONDS: '600',
      DOCAT_ADMIN_EMAIL: ADMIN.email,
      DOCAT_ADMIN_PASSWORD: ADMIN.password,
      DOCAT_PUBLIC_URL: 'https://docat.example.org/',
      LOG_LEVEL: 'warn',
      ...env,
    });
    const mailer = new MemoryMailer();
    const service = await bootstrapService({
      service: 'auth',
      module: AuthModule.register({ mailer, signingKeyTiming }),
      runtime: () => createClusterRuntime(config, { storage: new FsStorage(dir), migrate: true }),
      claims: { patterns: AUTH_PATTERNS },
      managementPort: null,
      exitOnShutdown: false,
    });
    started.push(service);
    return {
      service,
      mailer,
      call: <T>(pattern: string, data: unknown) =>
        service.runtime.bus.call<T>(pattern, data, { timeoutMs: 10_000 }),
    };
  }

  const KEY = generateKey();
  const call = <T>(pattern: string, data: unknown) => auth.call<T>(pattern, data);

  async function newUser(
    email: string,
    password = 'a-long-password',
  ): Promise<{ user: UserView; pair: TokenPair }> {
    const user = await call<UserView>(RPC.AUTH_REGISTER, { email, password });
    // The verification mail goes out in the background.
    await auth.mailer.next(email, 'email_verification');
    const pair = await call<TokenPair>(RPC.AUTH_LOGIN, {
      email,
      password,
      ip: '203.0.113.7',
      userAgent: 'test-agent/1.0',
    });
    return { user, pair };
  }

  before(async () => {
    db = await freshDatabase();
    dir = await mkdtemp(join(tmpdir(), 'docat-identity-'));
    auth = await startAuth({}, redis, timing);
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  });

  after(async () => {
    await sql?.end();
    for (const service of started.reverse())
      await service.shutdown('test end').catch(() => undefined);
    await db?.drop();
    await redis.cleanup();
    for (const extra of extraPrefixes) await extra.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('sessions: listed with where they started, one revoked, then all (refresh stops at once)', async () => {
    const { user, pair: first } = await newUser('sess@example.org');
    const second = await call<TokenPair>(RPC.AUTH_LOGIN, {
      email: 'sess@example.org',
      password: 'a-long-password',
    });
    const { items } = await call<{ items: SessionView[] }>(RPC.AUTH_SESSIONS_LIST, {
      userId: user.id,
    });
    assert.equal(items.length, 2);
    const firstSid = decodeJwt(first.accessToken).sid as string;
    const listed = items.find((s) => s.id === firstSid);
    assert.ok(listed, 'the access token names its session');
    assert.equal(listed.ip, '203.0.113.7');
    assert.equal(listed.userAgent, 'test-agent/1.0');

    // Another user cannot end this session; its id answers NOT_FOUND.
    const { user: other } = await newUser('sess-other@example.org');
    assert.equal(
      await codeOf(call(RPC.AUTH_SESSIONS_REVOKE, { userId: other.id, sessionId: firstSid })),
      'NOT_FOUND',
    );
    assert.equal(
      await codeOf(call(RPC.AUTH_SESSIONS_REVOKE, { userId: user.id, sessionId: 'not-a-uuid' })),
      'VALIDATION_FAILED',
    );

    assert.deepEqual(
      await call(RPC.AUTH_SESSIONS_REVOKE, { userId: user.id, sessionId: firstSid }),
      { ok: true },
    );
    assert.equal(
      await codeOf(call(RPC.AUTH_REFRESH, { refreshToken: first.refreshToken })),
      'TOKEN_INVALID',
    );
    const revokedSessions = await call<{ sessions: { sessionId: string }[] }>(
      RPC.AUTH_DENIED_USERS,
      { sinceSeconds: 60 },
    );
    assert.ok(
      revokedSessions.sessions.some((s) => s.sessionId === firstSid),
      'gateways learn the signed-out session',
    );
    const remaining = await call<{ items: SessionView[] }>(RPC.AUTH_SESSIONS_LIST, {
      userId: user.id,
    });
    assert.deepEqual(
      remaining.items.map((s) => s.id),
      [decodeJwt(second.accessToken).sid],
    );

    const before = Math.floor(Date.now() / 1000);
    assert.deepEqual(await call(RPC.AUTH_SESSIONS_REVOKE_ALL, { userId: user.id }), { revoked: 1 });
    assert.equal(
      await codeOf(call(RPC.AUTH_REFRESH, { refreshToken: second.refreshToken })),
      'TOKEN_INVALID',
    );
    assert.equal(
      (await call<{ items: SessionView[] }>(RPC.AUTH_SESSIONS_LIST, { userId: user.id })).items
        .length,
      0,
    );
    // Gateways learn that the user's older access tokens are dead.
    const denied = await call<{ items: { userId: string; at: number }[] }>(RPC.AUTH_DENIED_USERS, {
      sinceSeconds: 60,
    });
    const entry = denied.items.find((d) => d.userId === user.id);
    assert.ok(entry && entry.at >= before);
    // A token issued after the cut-off is dated after it, so it is not caught by it.
    const fresh = await call<TokenPair>(RPC.AUTH_LOGIN, {
      email: 'sess@example.org',
      password: 'a-long-password',
    });
    assert.ok(decodeJwt(fresh.accessToken).iat! > entry.at);
  });

  test('refresh-token reuse revokes the family: the session disappears from the list', async () => {
    const { user, pair } = await newUser('reuse@example.org');
    const next = await call<TokenPair>(RPC.AUTH_REFRESH, { refreshToken: pair.refreshToken });
    assert.equal(
      await codeOf(call(RPC.AUTH_REFRESH, { refreshToken: pair.refreshToken })),
      'TOKEN_INVALID',
    );
    assert.equal(
      await codeOf(call(RPC.AUTH_REFRESH, { refreshToken: next.refreshToken })),
      'TOKEN_INVALID',
    );
    assert.equal(
      (await call<{ items: SessionView[] }>(RPC.AUTH_SESSIONS_LIST, { userId: user.id })).items
        .length,
      0,
    );
    // The stolen session's access token is refused by gateways too.
    const denied = await call<{ sessions: { sessionId: string }[] }>(RPC.AUTH_DENIED_USERS, {
      sinceSeconds: 60,
    });
    assert.ok(denied.sessions.some((s) => s.sessionId === decodeJwt(pair.accessToken).sid));
  });

  test('email verification: a new account is unverified; the mailed link verifies it once', async () => {
    const verifiedHook: string[] = [];
    auth.service.app
      .get(EmailVerificationService, { strict: false })
      .onFirstVerification(async (userId) => {
        verifiedHook.push(userId);
      });
    const { user } = await newUser('verify@example.org');
    assert.equal(user.emailVerified, false);
    const first = auth.mailer.last('verify@example.org', 'email_verification');
    assert.ok(first, 'a verification mail was sent');
    assert.equal(first.link, `https://docat.example.org/v1/auth/verify-email?token=${first.token}`);
    // Resending voids the earlier link.
    await call(RPC.AUTH_EMAIL_VERIFY_RESEND, { userId: user.id });
    const second = auth.mailer.last('verify@example.org', 'email_verification')!;
    assert.notEqual(second.token, first.token);
    assert.equal(
      await codeOf(call(RPC.AUTH_EMAIL_VERIFY, { token: first.token })),
      'TOKEN_INVALID',
    );
    const verified = await call<UserView>(RPC.AUTH_EMAIL_VERIFY, { token: second.token });
    assert.equal(verified.emailVerified, true);
    assert.equal((await call<UserView>(RPC.AUTH_ME, { userId: user.id })).emailVerified, true);
    assert.equal(
      await codeOf(call(RPC.AUTH_EMAIL_VERIFY, { token: second.token })),
      'TOKEN_INVALID',
      'single use',
    );
    assert.deepEqual(verifiedHook, [user.id], 'the first-verification hook ran once');
    assert.equal(
      await codeOf(call(RPC.AUTH_EMAIL_VERIFY, { token: 'x'.repeat(43) })),
      'TOKEN_INVALID',
    );
    // Only the digest is stored.
    const { rows } = await sql.query<{ token_hash: Buffer }>(
      `SELECT token_hash FROM auth.mail_tokens WHERE user_id = $1`,
      [user.id],
    );
    assert.ok(
      rows.some((r) => r.token_hash.equals(createHash('sha256').update(second.token).digest())),
    );
    const dump = JSON.stringify((await sql.query(`SELECT * FROM auth.mail_tokens`)).rows);
    assert.ok(!dump.includes(second.token));
  });

  test('password reset: same answer for unknown emails, single-use short-lived link, sessions and old tokens revoked', async () => {
    const { user, pair } = await newUser('reset@example.org', 'old-password-1');
    const resets = auth.service.app.get(PasswordResetService, { strict: false });

    const mailsBefore = auth.mailer.sent.length;
    assert.deepEqual(
      await call(RPC.AUTH_PASSWORD_RESET_REQUEST, { email: 'nobody-here@example.org' }),
      { ok: true },
    );
    await resets.pending;
    assert.equal(auth.mailer.sent.length, mailsBefore, 'no mail for an unknown address');

    assert.deepEqual(await call(RPC.AUTH_PASSWORD_RESET_REQUEST, { email: 'RESET@example.org' }), {
      ok: true,
    });
    await resets.pending;
    const mail = auth.mailer.last('reset@example.org', 'password_reset');
    assert.ok(mail);
    assert.equal(mail.link, `https://docat.example.org/reset-password?token=${mail.token}`);

    // An expired link is refused.
    await sql.query(
      `UPDATE auth.mail_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND purpose = 'password_reset'`,
      [user.id],
    );
    assert.equal(
      await codeOf(
        call(RPC.AUTH_PASSWORD_RESET_CONFIRM, { token: mail.token, password: 'new-password-1' }),
      ),
      'TOKEN_INVALID',
    );

    await call(RPC.AUTH_PASSWORD_RESET_REQUEST, { email: 'reset@example.org' });
    await resets.pending;
    const fresh = auth.mailer.last('reset@example.org', 'password_reset')!;
    const { rows: ttl } = await sql.query<{ minutes: number }>(
      `SELECT extract(epoch FROM expires_at - created_at) / 60 AS minutes FROM auth.mail_tokens WHERE user_id = $1 AND purpose = 'password_reset' AND used_at IS NULL`,
      [user.id],
    );
    assert.equal(Math.round(Number(ttl[0]!.minutes)), 30, 'default lifetime 30 minutes');
    assert.equal(
      await codeOf(
        call(RPC.AUTH_PASSWORD_RESET_CONFIRM, { token: fresh.token, password: 'short' }),
      ),
      'VALIDATION_FAILED',
    );
    assert.deepEqual(
      await call(RPC.AUTH_PASSWORD_RESET_CONFIRM, {
        token: fresh.token,
        password: 'new-password-1',
      }),
      { ok: true },
    );
    assert.equal(
      await codeOf(
        call(RPC.AUTH_PASSWORD_RESET_CONFIRM, { token: fresh.token, password: 'another-password' }),
      ),
      'TOKEN_INVALID',
    );

    assert.equal(
      await codeOf(
        call(RPC.AUTH_LOGIN, { email: 'reset@example.org', password: 'old-password-1' }),
      ),
      'INVALID_CREDENTIALS',
    );
    const after = await call<TokenPair>(RPC.AUTH_LOGIN, {
      email: 'reset@example.org',
      password: 'new-password-1',
    });
    assert.equal(
      await codeOf(call(RPC.AUTH_REFRESH, { refreshToken: pair.refreshToken })),
      'TOKEN_INVALID',
      'old sessions ended',
    );
    const denied = await call<{ items: { userId: string; at: number }[] }>(RPC.AUTH_DENIED_USERS, {
      sinceSeconds: 60,
    });
    const cutoff = denied.items.find((d) => d.userId === user.id)!.at;
    assert.ok(
      decodeJwt(pair.accessToken).iat! <= cutoff,
      'the old access token is caught by the cut-off',
    );
    assert.ok(decodeJwt(after.accessToken).iat! > cutoff, 'the new one is not');
    assert.equal(
      (await call<UserView>(RPC.AUTH_ME, { userId: user.id })).emailVerified,
      true,
      'the link proved the mailbox',
    );
  });

  test('API keys: dk_ prefix, shown once, stored as SHA-256, verified to the same principal, revoked, expired', async () => {
    const { user } = await newUser('keys@example.org');
    const created = await call<CreatedApiKey>(RPC.AUTH_API_KEYS_CREATE, {
      userId: user.id,
      name: 'ci',
    });
    assert.match(created.key, API_KEY_SHAPE);
    assert.equal(created.prefix, created.key.slice(0, 11));
    const { items } = await call<{ items: ApiKeyView[] }>(RPC.AUTH_API_KEYS_LIST, {
      userId: user.id,
    });
    assert.equal(items.length, 1);
    assert.ok(!JSON.stringify(items).includes(created.key), 'the list never shows the key');
    const { rows } = await sql.query<{ key_hash: Buffer }>(
      `SELECT key_hash FROM auth.api_keys WHERE id = $1`,
      [created.id],
    );
    assert.ok(rows[0]!.key_hash.equals(createHash('sha256').update(created.key).digest()));

    const principal = await call<ApiKeyPrincipal>(RPC.AUTH_VERIFY_API_KEY, { key: created.key });
    assert.deepEqual(principal, {
      userId: user.id,
      role: 'user',
      plan: 'free',
      emailVerified: false,
      keyId: created.id,
    });
    assert.equal(
      await codeOf(call(RPC.AUTH_VERIFY_API_KEY, { key: `dk_${'A'.repeat(43)}` })),
      'TOKEN_INVALID',
    );
    assert.equal(
      await codeOf(call(RPC.AUTH_VERIFY_API_KEY, { key: 'not-a-key' })),
      'TOKEN_INVALID',
    );

    const { user: other } = await newUser('keys-other@example.org');
    assert.equal(
      await codeOf(call(RPC.AUTH_API_KEYS_REVOKE, { userId: other.id, keyId: created.id })),
      'NOT_FOUND',
    );
    assert.deepEqual(await call(RPC.AUTH_API_KEYS_REVOKE, { userId: user.id, keyId: created.id }), {
      ok: true,
    });
    assert.equal(
      await codeOf(call(RPC.AUTH_VERIFY_API_KEY, { key: created.key })),
      'TOKEN_INVALID',
    );
    assert.equal(
      (await call<{ items: ApiKeyView[] }>(RPC.AUTH_API_KEYS_LIST, { userId: user.id })).items
        .length,
      0,
    );

    const expiring = await call<CreatedApiKey>(RPC.AUTH_API_KEYS_CREATE, {
      userId: user.id,
      name: 'short',
      expiresInDays: 1,
    });
    await call(RPC.AUTH_VERIFY_API_KEY, { key: expiring.key });
    await sql.query(
      `UPDATE auth.api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [expiring.id],
    );
    assert.equal(
      await codeOf(call(RPC.AUTH_VERIFY_API_KEY, { key: expiring.key })),
      'TOKEN_INVALID',
    );
  });

  test('admin: only admins list users; disabling revokes sessions and keys at once; plan changes reach new tokens', async () => {
    const adminPair = await call<TokenPair>(RPC.AUTH_LOGIN, ADMIN);
    const adminId = decodeJwt(adminPair.accessToken).sub!;
    const { user, pair } = await newUser('victim@example.org');
    const key = await call<CreatedApiKey>(RPC.AUTH_API_KEYS_CREATE, {
      userId: user.id,
      name: 'bot',
    });

    assert.equal(
      await codeOf(call(RPC.AUTH_ADMIN_USERS_LIST, { actorId: user.id, limit: 10 })),
      'FORBIDDEN',
    );
    assert.equal(
      await codeOf(
        call(RPC.AUTH_ADMIN_USER_SET_DISABLED, {
          actorId: user.id,
          userId: adminId,
          disabled: true,
        }),
      ),
      'FORBIDDEN',
    );
    const page = await call<AdminUserList>(RPC.AUTH_ADMIN_USERS_LIST, {
      actorId: adminId,
      email: 'victim@',
      limit: 10,
    });
    assert.deepEqual(
      page.items.map((u) => u.email),
      ['victim@example.org'],
    );
    const all: string[] = [];
    let cursor: string | null | undefined;
    do {
      const next: AdminUserList = await call<AdminUserList>(RPC.AUTH_ADMIN_USERS_LIST, {
        actorId: adminId,
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      all.push(...next.items.map((u) => u.id));
      cursor = next.nextCursor;
    } while (cursor);
    const { rows } = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM auth.users`);
    assert.equal(all.length, Number(rows[0]!.n), 'cursor pagination visits every user once');
    assert.equal(new Set(all).size, all.length);

    assert.equal(
      await codeOf(
        call(RPC.AUTH_ADMIN_USER_SET_DISABLED, {
          actorId: adminId,
          userId: adminId,
          disabled: true,
        }),
      ),
      'FORBIDDEN',
    );
    const disabled = await call<AdminUserView>(RPC.AUTH_ADMIN_USER_SET_DISABLED, {
      actorId: adminId,
      userId: user.id,
      disabled: true,
    });
    assert.ok(disabled.disabledAt);
    assert.equal(
      await codeOf(call(RPC.AUTH_REFRESH, { refreshToken: pair.refreshToken })),
      'TOKEN_INVALID',
    );
    assert.equal(
      await codeOf(
        call(RPC.AUTH_LOGIN, { email: 'victim@example.org', password: 'a-long-password' }),
      ),
      'ACCOUNT_DISABLED',
    );
    assert.equal(
      await codeOf(call(RPC.AUTH_VERIFY_API_KEY, { key: key.key })),
      'TOKEN_INVALID',
      'its keys are revoked, not just suspended',
    );
    const denied = await call<{ items: { userId: string }[] }>(RPC.AUTH_DENIED_USERS, {
      sinceSeconds: 60,
    });
    assert.ok(denied.items.some((d) => d.userId === user.id));
    assert.equal(
      await codeOf(
        call(RPC.AUTH_ADMIN_USER_SET_DISABLED, {
          actorId: adminId,
          userId: '00000000-0000-7000-8000-000000000000',
          disabled: true,
        }),
      ),
      'NOT_FOUND',
    );

    const enabled = await call<AdminUserView>(RPC.AUTH_ADMIN_USER_SET_DISABLED, {
      actorId: adminId,
      userId: user.id,
      disabled: false,
    });
    assert.equal(enabled.disabledAt, null);
    await call(RPC.AUTH_LOGIN, { email: 'victim@example.org', password: 'a-long-password' });

    assert.equal(
      await codeOf(
        call(RPC.AUTH_ADMIN_USER_SET_PLAN, { actorId: adminId, userId: user.id, plan: 'platinum' }),
      ),
      'VALIDATION_FAILED',
    );
    const moved = await call<AdminUserView>(RPC.AUTH_ADMIN_USER_SET_PLAN, {
      actorId: adminId,
      userId: user.id,
      plan: 'pro',
    });
    assert.equal(moved.plan, 'pro');
    const again = await call<TokenPair>(RPC.AUTH_LOGIN, {
      email: 'victim@example.org',
      password: 'a-long-password',
    });
    assert.equal(decodeJwt(again.accessToken).plan, 'pro');
  });

  test('registration modes: invite needs an unused code (bound to its email when given); closed admits nobody', async () => {
    const own = () => {
      const prefix = freshRedisPrefix();
      extraPrefixes.push(prefix);
      return prefix;
    };
    const invite = await startAuth({ REGISTRATION: 'invite' }, own());
    const adminPair = await invite.call<TokenPair>(RPC.AUTH_LOGIN, ADMIN);
    const adminId = decodeJwt(adminPair.accessToken).sub!;
    assert.equal(
      await codeOf(
        invite.call(RPC.AUTH_REGISTER, { email: 'guest@example.org', password: 'guest-password' }),
      ),
      'INVITE_INVALID',
    );
    const open = await invite.call<InviteView>(RPC.AUTH_ADMIN_INVITE_CREATE, { actorId: adminId });
    const bound = await invite.call<InviteView>(RPC.AUTH_ADMIN_INVITE_CREATE, {
      actorId: adminId,
      email: 'Named@example.org',
    });
    assert.equal(
      await codeOf(
        invite.call(RPC.AUTH_ADMIN_INVITE_CREATE, {
          actorId: '00000000-0000-7000-8000-000000000000',
        }),
      ),
      'FORBIDDEN',
    );
    assert.equal(
      await codeOf(
        invite.call(RPC.AUTH_REGISTER, {
          email: 'guest@example.org',
          password: 'guest-password',
          inviteCode: bound.code,
        }),
      ),
      'INVITE_INVALID',
      'a code made for another address',
    );
    const guest = await invite.call<UserView>(RPC.AUTH_REGISTER, {
      email: 'guest@example.org',
      password: 'guest-password',
      inviteCode: open.code,
    });
    assert.equal(guest.role, 'user');
    assert.equal(
      await codeOf(
        invite.call(RPC.AUTH_REGISTER, {
          email: 'guest2@example.org',
          password: 'guest-password',
          inviteCode: open.code,
        }),
      ),
      'INVITE_INVALID',
      'a code admits one account',
    );
    await invite.call(RPC.AUTH_REGISTER, {
      email: 'named@example.org',
      password: 'named-password',
      inviteCode: bound.code,
    });

    const closed = await startAuth({ REGISTRATION: 'closed' }, own());
    assert.equal(
      await codeOf(
        closed.call(RPC.AUTH_REGISTER, { email: 'nope@example.org', password: 'nope-password' }),
      ),
      'REGISTRATION_CLOSED',
    );
    // The administrator from the environment is created once, whatever the mode.
    const { rows } = await sql.query<{ n: string }>(
      `SELECT count(*) AS n FROM auth.users WHERE role = 'admin'`,
    );
    assert.equal(Number(rows[0]!.n), 1);
  });

  test('signing keys rotate: the new kid is published, old tokens verify until retired', async () => {
    const keys = auth.service.app.get(SigningKeysService, { strict: false });
    const { pair: old } = await newUser('rotate@example.org');
    const oldKid = decodeProtectedHeader(old.accessToken).kid!;
    // Not due yet: the interval (30 days by default) has not passed.
    assert.equal(await keys.rotate(), null);
    // Due once it has signed for longer than the interval. The new key is published at
    // once but signs only after the publish lead, so gateways know it before its first token.
    timing.publishLeadMs = 60_000;
    assert.ok(await keys.rotate(Date.now() + 31 * 86_400_000));
    const jwks = await call<Jwks>(RPC.AUTH_JWKS, {});
    assert.equal(jwks.keys.length, 2);
    const duringLead = await call<TokenPair>(RPC.AUTH_LOGIN, {
      email: 'rotate@example.org',
      password: 'a-long-password',
    });
    assert.equal(decodeProtectedHeader(duringLead.accessToken).kid, oldKid);
    assert.notEqual(keys.current(Date.now() + 61_000).kid, oldKid);
    timing.publishLeadMs = 0;
    const fresh = await call<TokenPair>(RPC.AUTH_LOGIN, {
      email: 'rotate@example.org',
      password: 'a-long-password',
    });
    const newKid = decodeProtectedHeader(fresh.accessToken).kid!;
    assert.notEqual(newKid, oldKid);
    assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [newKid, oldKid].sort());
    const verify = (token: string, set: Jwks) =>
      jwtVerify(token, createLocalJWKSet(set), {
        algorithms: ['EdDSA'],
        issuer: ACCESS_TOKEN.issuer,
        audience: ACCESS_TOKEN.audience,
      });
    await verify(old.accessToken, jwks);
    await verify(fresh.accessToken, jwks);

    // Within the old tokens' lifetime the old key stays; after it, the key is retired.
    assert.deepEqual(await keys.retireExpired(Date.now() + 60_000), []);
    assert.deepEqual(await keys.retireExpired(Date.now() + 600_000 + 120_000), [oldKid]);
    const after = await call<Jwks>(RPC.AUTH_JWKS, {});
    assert.deepEqual(
      after.keys.map((k) => k.kid),
      [newKid],
    );
    await assert.rejects(verify(old.accessToken, after));
  });
});
