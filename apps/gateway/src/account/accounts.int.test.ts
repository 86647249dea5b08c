import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { MemoryMailer, SigningKeysService } from '@docat/auth';
import {
  adminUserListSchema,
  adminUserViewSchema,
  apiKeyViewSchema,
  createdApiKeySchema,
  problemSchema,
  sessionViewSchema,
  tokenPairSchema,
  userViewSchema,
  RPC,
  type Jwks,
  type TokenPair,
} from '@docat/contracts';
import { bootstrapService, createClusterRuntime, type RunningService } from '@docat/service-kit';
import { createStorage } from '@docat/storage';
import { z } from 'zod';
import { GATEWAY_EVENTS } from '../auth/revocation-events.controller.js';
import { gatewayHttpOptions } from '../gateway.http.js';
import { GatewayModule } from '../gateway.module.js';
import { startGatewayStack, type GatewayStack } from '../testing/gateway.stack.js';

const ADMIN = { email: 'admin@example.org', password: 'admin-password-1' };
const PASSWORD = 'a-long-password';

async function codeOf(response: Response): Promise<string> {
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  const problem = problemSchema.parse(await response.json());
  assert.equal(problem.status, response.status);
  return `${response.status} ${problem.code}`;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('accounts over HTTP: sessions, API keys on two gateway replicas, admin, password reset', () => {
  const mailer = new MemoryMailer();
  let stack: GatewayStack;
  let replica: RunningService;
  const late: RunningService[] = [];
  const base = () => stack.baseUrl;
  const replicaBase = () => `http://127.0.0.1:${replica.httpPort}`;

  async function json(
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return fetch(url, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  async function login(email: string, password = PASSWORD): Promise<TokenPair> {
    const response = await json(
      'POST',
      `${base()}/v1/auth/login`,
      { email, password },
      { 'user-agent': 'accounts-test/1' },
    );
    assert.equal(response.status, 200, await response.clone().text());
    return tokenPairSchema.parse(await response.json());
  }

  async function account(email: string): Promise<TokenPair> {
    const response = await json('POST', `${base()}/v1/auth/register`, {
      email,
      password: PASSWORD,
    });
    assert.equal(response.status, 202);
    return login(email);
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  /** Another gateway on the same transport and database: a second replica behind the load balancer. */
  function startReplica(): Promise<RunningService> {
    const config = stack.config;
    return bootstrapService({
      service: 'gateway',
      module: GatewayModule.register(),
      runtime: () => createClusterRuntime(config, { storage: createStorage(config) }),
      http: { ...gatewayHttpOptions(config), port: 0, host: '127.0.0.1' },
      claims: { patterns: GATEWAY_EVENTS },
      managementPort: null,
      exitOnShutdown: false,
    });
  }

  before(async () => {
    stack = await startGatewayStack(
      {
        DOCAT_ADMIN_EMAIL: ADMIN.email,
        DOCAT_ADMIN_PASSWORD: ADMIN.password,
        RATE_LIMIT_AUTH_LOGIN: '1000/minute',
        RATE_LIMIT_PASSWORD_RESET: '1000/hour',
      },
      { auth: { mailer, signingKeyTiming: { publishLeadMs: 0 } } },
    );
    replica = await startReplica();
  });

  after(async () => {
    for (const service of late) await service.shutdown('test end').catch(() => undefined);
    await replica?.shutdown('test end').catch(() => undefined);
    await stack?.stop();
  });

  test('register, verify the email by the mailed link, GET /v1/me', async () => {
    const pair = await account('ada@example.org');
    const me = userViewSchema.parse(
      await (await fetch(`${base()}/v1/me`, { headers: bearer(pair.accessToken) })).json(),
    );
    assert.equal(me.emailVerified, false);
    const mail = await mailer.next('ada@example.org', 'email_verification');
    const link = new URL(mail.link);
    const verified = await fetch(`${base()}${link.pathname}${link.search}`);
    assert.equal(verified.status, 200);
    assert.equal(userViewSchema.parse(await verified.json()).emailVerified, true);
    assert.equal(
      await codeOf(await fetch(`${base()}${link.pathname}${link.search}`)),
      '401 TOKEN_INVALID',
    );
    assert.equal(await codeOf(await fetch(`${base()}/v1/me`)), '401 UNAUTHENTICATED');
  });

  test("sessions: the current one is marked; another user's session answers 404; sign-out everywhere kills access tokens at once", async () => {
    const first = await account('sessions@example.org');
    const second = await login('sessions@example.org');
    const listed = await fetch(`${base()}/v1/sessions`, { headers: bearer(second.accessToken) });
    const { items } = z.object({ items: z.array(sessionViewSchema) }).parse(await listed.json());
    assert.equal(items.length, 2);
    assert.equal(items.filter((s) => s.current).length, 1);
    assert.equal(items.find((s) => s.current)!.userAgent, 'accounts-test/1');
    const firstSession = items.find((s) => !s.current)!;

    const stranger = await account('stranger@example.org');
    assert.equal(
      await codeOf(
        await json(
          'DELETE',
          `${base()}/v1/sessions/${firstSession.id}`,
          undefined,
          bearer(stranger.accessToken),
        ),
      ),
      '404 NOT_FOUND',
    );
    assert.equal(
      await codeOf(
        await json(
          'DELETE',
          `${base()}/v1/sessions/not-an-id`,
          undefined,
          bearer(second.accessToken),
        ),
      ),
      '400 VALIDATION_FAILED',
    );
    assert.equal(
      (await fetch(`${replicaBase()}/v1/me`, { headers: bearer(first.accessToken) })).status,
      200,
    );
    assert.equal(
      (
        await json(
          'DELETE',
          `${base()}/v1/sessions/${firstSession.id}`,
          undefined,
          bearer(second.accessToken),
        )
      ).status,
      204,
    );
    assert.equal(
      await codeOf(
        await json('POST', `${base()}/v1/auth/refresh`, { refreshToken: first.refreshToken }),
      ),
      '401 TOKEN_INVALID',
    );
    // The signed-out session's access token is refused on both replicas; the other session's still works.
    for (const url of [base(), replicaBase()]) {
      assert.equal(
        await codeOf(await fetch(`${url}/v1/me`, { headers: bearer(first.accessToken) })),
        '401 TOKEN_INVALID',
      );
      assert.equal(
        (await fetch(`${url}/v1/me`, { headers: bearer(second.accessToken) })).status,
        200,
      );
    }

    const all = await json(
      'DELETE',
      `${base()}/v1/sessions`,
      undefined,
      bearer(second.accessToken),
    );
    assert.deepEqual(await all.json(), { revoked: 1 });
    // The broadcast reached both replicas: the access token is refused there at once, not in 15 minutes.
    for (const url of [base(), replicaBase()]) {
      assert.equal(
        await codeOf(await fetch(`${url}/v1/me`, { headers: bearer(second.accessToken) })),
        '401 TOKEN_INVALID',
      );
    }
    const again = await login('sessions@example.org');
    assert.equal(
      (await fetch(`${replicaBase()}/v1/me`, { headers: bearer(again.accessToken) })).status,
      200,
    );
  });

  test('API keys: created once, usable as Bearer dk_ and X-API-Key on any replica, revoked everywhere within 5 s', async () => {
    const pair = await account('keys@example.org');
    const created = createdApiKeySchema.parse(
      await (
        await json('POST', `${base()}/v1/api-keys`, { name: 'ci' }, bearer(pair.accessToken))
      ).json(),
    );
    const listed = z
      .object({ items: z.array(apiKeyViewSchema) })
      .parse(
        await (await fetch(`${base()}/v1/api-keys`, { headers: bearer(pair.accessToken) })).json(),
      );
    assert.deepEqual(
      listed.items.map((k) => k.id),
      [created.id],
    );
    assert.ok(!JSON.stringify(listed).includes(created.key));

    const viaToken = userViewSchema.parse(
      await (await fetch(`${base()}/v1/me`, { headers: bearer(pair.accessToken) })).json(),
    );
    for (const url of [base(), replicaBase()]) {
      for (const headers of [bearer(created.key), { 'x-api-key': created.key }]) {
        const response = await fetch(`${url}/v1/me`, { headers });
        assert.equal(response.status, 200);
        assert.deepEqual(
          userViewSchema.parse(await response.json()),
          viaToken,
          'an API key acts as the same user',
        );
      }
    }
    assert.equal(
      await codeOf(
        await fetch(`${base()}/v1/me`, { headers: { 'x-api-key': `dk_${'A'.repeat(43)}` } }),
      ),
      '401 TOKEN_INVALID',
    );
    assert.equal(
      await codeOf(
        await fetch(`${base()}/v1/me`, {
          headers: { ...bearer(pair.accessToken), 'x-api-key': created.key },
        }),
      ),
      '401 TOKEN_INVALID',
      'two different credentials are refused',
    );

    const other = await account('keys-other@example.org');
    assert.equal(
      await codeOf(
        await json(
          'DELETE',
          `${base()}/v1/api-keys/${created.id}`,
          undefined,
          bearer(other.accessToken),
        ),
      ),
      '404 NOT_FOUND',
    );

    // Both replicas hold the key in their caches now; revoke through the first.
    const revokedAt = Date.now();
    assert.equal(
      (
        await json(
          'DELETE',
          `${base()}/v1/api-keys/${created.id}`,
          undefined,
          bearer(pair.accessToken),
        )
      ).status,
      204,
    );
    let refusedAfterMs = -1;
    while (Date.now() - revokedAt < 6_000) {
      const response = await fetch(`${replicaBase()}/v1/me`, {
        headers: { 'x-api-key': created.key },
      });
      if (response.status === 401) {
        refusedAfterMs = Date.now() - revokedAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(
      refusedAfterMs >= 0 && refusedAfterMs < 5_000,
      `the other replica refused the key after ${refusedAfterMs} ms`,
    );
    assert.equal(
      await codeOf(await fetch(`${base()}/v1/me`, { headers: bearer(created.key) })),
      '401 TOKEN_INVALID',
    );
  });

  test('admin routes: 403 FORBIDDEN for users; disabling locks the account out of every replica at once', async () => {
    const user = await account('target@example.org');
    const key = createdApiKeySchema.parse(
      await (await json('POST', `${base()}/v1/api-keys`, {}, bearer(user.accessToken))).json(),
    );
    assert.equal(
      await codeOf(await fetch(`${base()}/v1/admin/users`, { headers: bearer(user.accessToken) })),
      '403 FORBIDDEN',
    );
    assert.equal(
      await codeOf(await fetch(`${base()}/v1/admin/users`, { headers: { 'x-api-key': key.key } })),
      '403 FORBIDDEN',
    );
    assert.equal(await codeOf(await fetch(`${base()}/v1/admin/users`)), '401 UNAUTHENTICATED');

    const admin = await login(ADMIN.email, ADMIN.password);
    const page = adminUserListSchema.parse(
      await (
        await fetch(`${base()}/v1/admin/users?email=target&limit=5`, {
          headers: bearer(admin.accessToken),
        })
      ).json(),
    );
    assert.equal(page.items.length, 1);
    const target = page.items[0]!;
    assert.equal(
      await codeOf(
        await fetch(`${base()}/v1/admin/users?limit=1000`, { headers: bearer(admin.accessToken) }),
      ),
      '400 VALIDATION_FAILED',
    );

    // Warm both replicas' caches with the user's API key first.
    for (const url of [base(), replicaBase()])
      assert.equal(
        (await fetch(`${url}/v1/me`, { headers: { 'x-api-key': key.key } })).status,
        200,
      );
    const disabled = await json(
      'POST',
      `${base()}/v1/admin/users/${target.id}/disable`,
      undefined,
      bearer(admin.accessToken),
    );
    assert.equal(disabled.status, 200);
    assert.ok(adminUserViewSchema.parse(await disabled.json()).disabledAt);
    for (const url of [base(), replicaBase()]) {
      assert.equal(
        await codeOf(await fetch(`${url}/v1/me`, { headers: bearer(user.accessToken) })),
        '401 TOKEN_INVALID',
      );
      assert.equal(
        await codeOf(await fetch(`${url}/v1/me`, { headers: { 'x-api-key': key.key } })),
        '401 TOKEN_INVALID',
      );
    }
    assert.equal(
      await codeOf(
        await json('POST', `${base()}/v1/auth/login`, {
          email: 'target@example.org',
          password: PASSWORD,
        }),
      ),
      '403 ACCOUNT_DISABLED',
    );

    // A replica started after the broadcast learns the revocation from auth at start.
    const fresh = await startReplica();
    late.push(fresh);
    let code = '';
    for (let i = 0; i < 40; i++) {
      const response = await fetch(`http://127.0.0.1:${fresh.httpPort}/v1/me`, {
        headers: bearer(user.accessToken),
      });
      code = response.status === 200 ? '200' : await codeOf(response);
      if (code === '401 TOKEN_INVALID') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(code, '401 TOKEN_INVALID');

    const enabled = await json(
      'POST',
      `${base()}/v1/admin/users/${target.id}/enable`,
      undefined,
      bearer(admin.accessToken),
    );
    assert.equal(adminUserViewSchema.parse(await enabled.json()).disabledAt, null);
    const back = await login('target@example.org');
    assert.equal(
      (await fetch(`${replicaBase()}/v1/me`, { headers: bearer(back.accessToken) })).status,
      200,
    );

    const plan = await json(
      'POST',
      `${base()}/v1/admin/users/${target.id}/plan`,
      { plan: 'plus' },
      bearer(admin.accessToken),
    );
    assert.equal(adminUserViewSchema.parse(await plan.json()).plan, 'plus');
    assert.equal(
      await codeOf(
        await json(
          'POST',
          `${base()}/v1/admin/users/${target.id}/plan`,
          { plan: 'gold' },
          bearer(admin.accessToken),
        ),
      ),
      '400 VALIDATION_FAILED',
    );
  });

  test('password reset over HTTP: 202 for any address, the link works once, old access tokens die', async () => {
    const pair = await account('forgetful@example.org');
    const unknown = await json('POST', `${base()}/v1/auth/password-reset`, {
      email: 'nobody@example.org',
    });
    assert.equal(unknown.status, 202);
    const known = await json('POST', `${base()}/v1/auth/password-reset`, {
      email: 'forgetful@example.org',
    });
    assert.equal(known.status, 202);
    let mail = mailer.last('forgetful@example.org', 'password_reset');
    for (let i = 0; !mail && i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      mail = mailer.last('forgetful@example.org', 'password_reset');
    }
    assert.ok(mail, 'the reset mail was sent');
    assert.equal(mailer.last('nobody@example.org', 'password_reset'), undefined);
    const confirm = await json('POST', `${base()}/v1/auth/password-reset/confirm`, {
      token: mail.token,
      password: 'brand-new-password',
    });
    assert.equal(confirm.status, 204);
    assert.equal(
      await codeOf(
        await json('POST', `${base()}/v1/auth/password-reset/confirm`, {
          token: mail.token,
          password: 'other-password',
        }),
      ),
      '401 TOKEN_INVALID',
    );
    for (const url of [base(), replicaBase()]) {
      assert.equal(
        await codeOf(await fetch(`${url}/v1/me`, { headers: bearer(pair.accessToken) })),
        '401 TOKEN_INVALID',
      );
    }
    const fresh = await login('forgetful@example.org', 'brand-new-password');
    assert.equal(
      (await fetch(`${base()}/v1/me`, { headers: bearer(fresh.accessToken) })).status,
      200,
    );
  });

  test('a rotated signing key is accepted by every replica at once; tokens of the previous key keep working', async () => {
    const before = await login(ADMIN.email, ADMIN.password);
    // Both replicas have fetched the JWKS moments ago, so only the rotation broadcast can
    // make them refetch before their 30-second refetch interval allows.
    for (const url of [base(), replicaBase()])
      assert.equal(
        (await fetch(`${url}/v1/me`, { headers: bearer(before.accessToken) })).status,
        200,
      );
    const kid = (token: string) =>
      (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string })
        .kid;
    const keys = stack.auth.app.get(SigningKeysService, { strict: false });
    const rotated = await keys.rotate(Date.now(), true);
    assert.ok(rotated);
    const after = await login(ADMIN.email, ADMIN.password);
    assert.equal(kid(after.accessToken), rotated);
    assert.notEqual(kid(before.accessToken), rotated);
    for (const url of [base(), replicaBase()]) {
      let status = 0;
      for (let i = 0; i < 40 && status !== 200; i++) {
        status = (await fetch(`${url}/v1/me`, { headers: bearer(after.accessToken) })).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(status, 200, 'the new key is known within 2 s');
      assert.equal(
        (await fetch(`${url}/v1/me`, { headers: bearer(before.accessToken) })).status,
        200,
        'the previous key still verifies',
      );
    }
  });

  test('forged tokens: alg none and HS256 signed with the public key are refused', async () => {
    const pair = await login(ADMIN.email, ADMIN.password);
    const [headerPart, payloadPart] = pair.accessToken.split('.');
    const header = JSON.parse(Buffer.from(headerPart!, 'base64url').toString()) as { kid: string };
    const none = `${b64({ alg: 'none', typ: 'at+jwt', kid: header.kid })}.${payloadPart}.`;
    assert.equal(
      await codeOf(await fetch(`${base()}/v1/admin/users`, { headers: bearer(none) })),
      '401 TOKEN_INVALID',
    );
    const jwks = await stack.gateway.runtime.bus.call<Jwks>(
      RPC.AUTH_JWKS,
      {},
      { timeoutMs: 5_000 },
    );
    const publicKey = jwks.keys.find((k) => k.kid === header.kid)!;
    const signingInput = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: header.kid })}.${payloadPart}`;
    for (const secret of [
      publicKey.x,
      Buffer.from(publicKey.x, 'base64url'),
      JSON.stringify(publicKey),
    ]) {
      const mac = createHmac('sha256', secret).update(signingInput).digest('base64url');
      assert.equal(
        await codeOf(
          await fetch(`${base()}/v1/admin/users`, { headers: bearer(`${signingInput}.${mac}`) }),
        ),
        '401 TOKEN_INVALID',
      );
    }
    // The genuine token of the same admin passes, so the refusals above are about the forgery.
    assert.equal(
      (await fetch(`${base()}/v1/admin/users`, { headers: bearer(pair.accessToken) })).status,
      200,
    );
  });
});
