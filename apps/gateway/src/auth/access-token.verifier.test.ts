import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, SignJWT } from 'jose';
import { ACCESS_TOKEN, DocatError, type Jwks } from '@docat/contracts';
import { AccessTokenVerifier, bearerToken } from './access-token.verifier.js';
import { JwksCache } from './jwks.cache.js';
import { TokenDenyList } from './token-deny-list.js';

interface TestKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Jwks['keys'][number];
}

async function makeKey(): Promise<TestKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const x = String(publicKey.export({ format: 'jwk' }).x);
  const kid = await calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x });
  return { kid, privateKey, jwk: { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' } };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: 'user-1',
    role: 'user',
    iss: ACCESS_TOKEN.issuer,
    aud: ACCESS_TOKEN.audience,
    iat: now,
    exp: now + 900,
    ...overrides,
  };
}

function sign(
  key: TestKey,
  payload = claims(),
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: ACCESS_TOKEN.type, ...header })
    .sign(key.privateKey);
}

async function setup(published: TestKey[]) {
  let fetches = 0;
  const jwks = new JwksCache(
    async () => {
      fetches++;
      return { keys: published.map((k) => k.jwk) };
    },
    { minRefetchIntervalMs: 60_000 },
  );
  return { verifier: new AccessTokenVerifier(jwks), fetches: () => fetches };
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof DocatError ? error.code : `unexpected ${String(error)}`;
  }
  return 'accepted';
}

function withoutTimes<T extends { issuedAt?: number; expiresAt?: number }>(
  user: T,
): Omit<T, 'issuedAt' | 'expiresAt'> {
  const { issuedAt: _issuedAt, expiresAt: _expiresAt, ...rest } = user;
  return rest;
}

describe('AccessTokenVerifier', async () => {
  const key = await makeKey();
  const other = await makeKey();

  test('accepts an EdDSA token signed by a published key', async () => {
    const { verifier } = await setup([key]);
    const principal = await verifier.verify(
      await sign(key, claims({ role: 'admin', plan: 'pro', sid: 'session-1' })),
    );
    // The token's times ride along for the event streams, which end when the token expires.
    assert.equal(typeof principal.expiresAt, 'number');
    assert.equal(typeof principal.issuedAt, 'number');
    assert.deepEqual(withoutTimes(principal), {
      id: 'user-1',
      role: 'admin',
      plan: 'pro',
      via: 'access-token',
      sessionId: 'session-1',
    });
  });

  test('rejects alg:none', async () => {
    const { verifier, fetches } = await setup([key]);
    const token = `${b64({ alg: 'none', kid: key.kid, typ: ACCESS_TOKEN.type })}.${b64(claims())}.`;
    assert.equal(await rejection(verifier.verify(token)), 'TOKEN_INVALID');
    const withJunkSignature = `${token}AAAA`;
    assert.equal(await rejection(verifier.verify(withJunkSignature)), 'TOKEN_INVALID');
    assert.equal(fetches(), 0, 'no key lookup for a refused algorithm');
  });

  test('rejects HS256 signed with the public key (algorithm confusion)', async () => {
    const { verifier } = await setup([key]);
    const signingInput = `${b64({ alg: 'HS256', kid: key.kid, typ: ACCESS_TOKEN.type })}.${b64(claims())}`;
    for (const secret of [
      key.jwk.x,
      Buffer.from(key.jwk.x, 'base64url'),
      JSON.stringify(key.jwk),
    ]) {
      const mac = createHmac('sha256', secret).update(signingInput).digest('base64url');
      assert.equal(await rejection(verifier.verify(`${signingInput}.${mac}`)), 'TOKEN_INVALID');
    }
  });

  test('rejects an expired token', async () => {
    const { verifier } = await setup([key]);
    const past = Math.floor(Date.now() / 1000) - 3600;
    assert.equal(
      await rejection(verifier.verify(await sign(key, claims({ iat: past - 900, exp: past })))),
      'TOKEN_INVALID',
    );
  });

  test('rejects a token signed by a key auth does not publish', async () => {
    const { verifier } = await setup([key]);
    assert.equal(await rejection(verifier.verify(await sign(other))), 'TOKEN_INVALID');
    // Same kid as a published key, but the wrong private key.
    assert.equal(
      await rejection(verifier.verify(await sign({ ...other, kid: key.kid }))),
      'TOKEN_INVALID',
    );
  });

  test('rejects a tampered payload', async () => {
    const { verifier } = await setup([key]);
    const [header, , signature] = (await sign(key)).split('.');
    const forged = `${header}.${b64(claims({ sub: 'someone-else', role: 'admin' }))}.${signature}`;
    assert.equal(await rejection(verifier.verify(forged)), 'TOKEN_INVALID');
  });

  test('rejects wrong issuer, audience, type or claims', async () => {
    const { verifier } = await setup([key]);
    assert.equal(
      await rejection(verifier.verify(await sign(key, claims({ iss: 'elsewhere' })))),
      'TOKEN_INVALID',
    );
    assert.equal(
      await rejection(verifier.verify(await sign(key, claims({ aud: 'other-api' })))),
      'TOKEN_INVALID',
    );
    assert.equal(
      await rejection(verifier.verify(await sign(key, claims(), { typ: 'JWT' }))),
      'TOKEN_INVALID',
    );
    assert.equal(
      await rejection(verifier.verify(await sign(key, claims({ role: 'root' })))),
      'TOKEN_INVALID',
    );
    assert.equal(await rejection(verifier.verify('not.a.jwt')), 'TOKEN_INVALID');
    assert.equal(await rejection(verifier.verify('garbage')), 'TOKEN_INVALID');
  });

  test('a new kid triggers one refetch (rotation), and unknown kids are rate limited', async () => {
    const published = [key];
    const { verifier, fetches } = await setup(published);
    await verifier.verify(await sign(key));
    assert.equal(fetches(), 1);
    published.push(other);
    // Inside the refetch interval an unknown kid is refused without asking auth again.
    assert.equal(await rejection(verifier.verify(await sign(other))), 'TOKEN_INVALID');
    assert.equal(fetches(), 1);
  });

  test('a rotated key is picked up once the refetch interval allows', async () => {
    const published = [key];
    let now = 1_000_000;
    let fetches = 0;
    const jwks = new JwksCache(
      async () => {
        fetches++;
        return { keys: published.map((k) => k.jwk) };
      },
      { minRefetchIntervalMs: 30_000, now: () => now },
    );
    const verifier = new AccessTokenVerifier(jwks);
    await verifier.verify(await sign(key));
    published.push(other);
    now += 31_000;
    assert.deepEqual(withoutTimes(await verifier.verify(await sign(other))), {
      id: 'user-1',
      role: 'user',
      plan: 'free',
      via: 'access-token',
    });
    assert.equal(fetches, 2);
    await verifier.verify(await sign(key));
    assert.equal(fetches, 2, 'known keys are served from the cache');
  });
});

describe('AccessTokenVerifier with a deny list', async () => {
  const key = await makeKey();

  test('refuses tokens issued at or before the cut-off, accepts later ones and other users', async () => {
    const now = Math.floor(Date.now() / 1000);
    const denyList = new TokenDenyList(900);
    const verifier = new AccessTokenVerifier(
      new JwksCache(async () => ({ keys: [key.jwk] })),
      denyList,
    );
    const before = await sign(key, claims({ iat: now - 10 }));
    const same = await sign(key, claims({ iat: now }));
    const later = await sign(key, claims({ iat: now + 1 }));
    await verifier.verify(before);
    denyList.deny('user-1', now);
    assert.equal(await rejection(verifier.verify(before)), 'TOKEN_INVALID');
    assert.equal(await rejection(verifier.verify(same)), 'TOKEN_INVALID');
    assert.equal((await verifier.verify(later)).id, 'user-1');
    assert.equal(
      (await verifier.verify(await sign(key, claims({ sub: 'user-2', iat: now - 10 })))).id,
      'user-2',
    );
  });

  test('a revoked session refuses every token carrying its sid, whenever issued', async () => {
    const now = Math.floor(Date.now() / 1000);
    const denyList = new TokenDenyList(900);
    const verifier = new AccessTokenVerifier(
      new JwksCache(async () => ({ keys: [key.jwk] })),
      denyList,
    );
    const ofSession = await sign(key, claims({ sid: 'session-a', iat: now + 5 }));
    const otherSession = await sign(key, claims({ sid: 'session-b' }));
    denyList.denySession('session-a', now);
    assert.equal(await rejection(verifier.verify(ofSession)), 'TOKEN_INVALID');
    assert.equal((await verifier.verify(otherSession)).sessionId, 'session-b');
  });

  test('entries older than a token lifetime are pruned', () => {
    let now = 1_000_000;
    const denyList = new TokenDenyList(900, () => now);
    denyList.deny('a', now);
    now += 900 + 61;
    denyList.deny('b', now);
    assert.equal(denyList.size, 1);
    assert.equal(denyList.isDenied('a', 1), false);
    assert.equal(denyList.isDenied('b', now), true);
    assert.equal(
      denyList.isDenied('b', undefined),
      true,
      'a token without iat cannot prove it is newer',
    );
  });
});

/** A key cache that counts lookups: each one is a full verification (a cache miss). */
class CountingJwks extends JwksCache {
  lookups = 0;
  override keyFor(kid: string) {
    this.lookups++;
    return super.keyFor(kid);
  }
}

describe('AccessTokenVerifier verdict cache', async () => {
  const key = await makeKey();
  const other = await makeKey();

  test('a token seen before is not verified again, and gives an equal but separate principal', async () => {
    const jwks = new CountingJwks(async () => ({ keys: [key.jwk] }));
    const verifier = new AccessTokenVerifier(jwks);
    const token = await sign(key, claims({ sid: 'session-1' }));
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    assert.deepEqual(second, first);
    assert.notEqual(second, first, 'a caller changing its principal cannot change the cached one');
    assert.equal(jwks.lookups, 1);
    assert.equal(verifier.cachedTokens, 1);
  });

  test('revocations apply to cached verdicts at once: user cut-off and session', async () => {
    const now = Math.floor(Date.now() / 1000);
    const denyList = new TokenDenyList(900);
    const verifier = new AccessTokenVerifier(
      new JwksCache(async () => ({ keys: [key.jwk] })),
      denyList,
    );
    const userToken = await sign(key, claims({ iat: now - 10 }));
    const sessionToken = await sign(
      key,
      claims({ sub: 'user-2', sid: 'session-x', iat: now - 10 }),
    );
    await verifier.verify(userToken);
    await verifier.verify(sessionToken);
    denyList.deny('user-1', now);
    denyList.denySession('session-x', now);
    assert.equal(await rejection(verifier.verify(userToken)), 'TOKEN_INVALID');
    assert.equal(await rejection(verifier.verify(sessionToken)), 'TOKEN_INVALID');
  });

  test('a verdict is reused no longer than maxAge, nor past the token expiry', async () => {
    let now = Date.now();
    const jwks = new CountingJwks(async () => ({ keys: [key.jwk] }));
    const verifier = new AccessTokenVerifier(jwks, null, 5, { maxAgeMs: 60_000, now: () => now });
    const token = await sign(key);
    await verifier.verify(token);
    now += 59_000;
    await verifier.verify(token);
    assert.equal(jwks.lookups, 1);
    now += 2_000;
    await verifier.verify(token);
    assert.equal(jwks.lookups, 2, 'verified again after maxAge');

    // A token expiring in 2 s: its verdict ends with it, whatever maxAge allows.
    const shortLived = await sign(key, claims({ exp: Math.floor(now / 1000) + 2 }));
    await verifier.verify(shortLived);
    now += 3_000;
    await verifier.verify(shortLived).catch(() => undefined);
    assert.equal(jwks.lookups, 4, 'the expired token went through the full check again');
  });

  test('a verdict reached with a key auth has withdrawn is not reused', async () => {
    const published = [key, other];
    let now = 1_000_000;
    const jwks = new JwksCache(async () => ({ keys: published.map((k) => k.jwk) }), {
      minRefetchIntervalMs: 1_000,
      now: () => now,
    });
    const verifier = new AccessTokenVerifier(jwks);
    const token = await sign(other);
    await verifier.verify(token);
    published.pop();
    now += 2_000;
    await jwks.refresh();
    assert.equal(await rejection(verifier.verify(token)), 'TOKEN_INVALID');
  });

  test('cached() answers without waiting only what verify() accepted, and honours revocation and expiry', async () => {
    let now = Date.now();
    const denyList = new TokenDenyList(900);
    const jwks = new CountingJwks(async () => ({ keys: [key.jwk] }));
    const verifier = new AccessTokenVerifier(jwks, denyList, 5, { now: () => now });
    const token = await sign(key, claims({ sid: 'session-c', iat: Math.floor(now / 1000) - 10 }));
    assert.equal(verifier.cached(token), undefined, 'never verified: the caller must verify');
    assert.equal(verifier.cached('not.a-token'), undefined);
    assert.throws(
      () => verifier.cached('x'.repeat(4097)),
      (e: unknown) => e instanceof DocatError,
    );
    const principal = await verifier.verify(token);
    const cached = verifier.cached(token);
    assert.deepEqual(cached, principal);
    assert.notEqual(cached, verifier.cached(token), 'each caller gets its own copy');
    assert.equal(jwks.lookups, 1);
    // A forged token sharing the header and signature is a different token: not found.
    const [header, , signature] = token.split('.');
    assert.equal(verifier.cached(`${header}.${b64(claims({ sub: 'x' }))}.${signature}`), undefined);
    // Signed out since: refused at once, from the cache too.
    denyList.denySession('session-c', Math.floor(now / 1000));
    assert.throws(
      () => verifier.cached(token),
      (e: unknown) => e instanceof DocatError && e.code === 'TOKEN_INVALID',
    );
    // Past maxAge the verdict is dropped: verify() checks the signature again.
    const fresh = await sign(key, claims({ sub: 'user-9' }));
    await verifier.verify(fresh);
    now += 61_000;
    assert.equal(verifier.cached(fresh), undefined);
  });

  test('refused tokens are not remembered, and the cache is bounded', async () => {
    const verifier = new AccessTokenVerifier(
      new JwksCache(async () => ({ keys: [key.jwk] })),
      null,
      5,
      { maxEntries: 2 },
    );
    const [header, , signature] = (await sign(key)).split('.');
    const forged = `${header}.${b64(claims({ sub: 'someone-else' }))}.${signature}`;
    assert.equal(await rejection(verifier.verify(forged)), 'TOKEN_INVALID');
    assert.equal(await rejection(verifier.verify(forged)), 'TOKEN_INVALID');
    assert.equal(verifier.cachedTokens, 0);
    for (const sub of ['a', 'b', 'c']) await verifier.verify(await sign(key, claims({ sub })));
    assert.equal(verifier.cachedTokens, 2);
  });
});

describe('bearerToken', () => {
  test('reads the Bearer scheme only', () => {
    assert.equal(bearerToken('Bearer abc.def.ghi'), 'abc.def.ghi');
    assert.equal(bearerToken('bearer abc'), 'abc');
    assert.equal(bearerToken('Basic dXNlcjpwYXNz'), null);
    assert.equal(bearerToken(undefined), null);
    assert.equal(bearerToken('Bearer '), null);
  });
});
