import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DocatError, type ApiKeyPrincipal } from '@docat/contracts';
import { ApiKeyVerifier } from './api-key.verifier.js';

const newKey = () => `dk_${randomBytes(32).toString('base64url')}`;

function fakeAuth() {
  const keys = new Map<string, ApiKeyPrincipal>();
  let calls = 0;
  let gate: Promise<void> | null = null;
  return {
    keys,
    calls: () => calls,
    hold(): () => void {
      let open!: () => void;
      gate = new Promise((resolve) => (open = resolve));
      return () => {
        gate = null;
        open();
      };
    },
    lookup: async (key: string): Promise<ApiKeyPrincipal> => {
      calls++;
      const principal = keys.get(key);
      if (gate) await gate;
      if (!principal) throw new DocatError('TOKEN_INVALID');
      return principal;
    },
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    return error instanceof DocatError ? error.code : String(error);
  }
}

describe('ApiKeyVerifier', () => {
  test('answers the principal and caches it for the TTL only', async () => {
    const auth = fakeAuth();
    let now = 0;
    const key = newKey();
    auth.keys.set(key, {
      userId: 'u1',
      role: 'user',
      plan: 'plus',
      emailVerified: true,
      keyId: 'k1',
    });
    const verifier = new ApiKeyVerifier(auth.lookup, { ttlMs: 5_000, now: () => now });
    assert.deepEqual(await verifier.verify(key), {
      id: 'u1',
      role: 'user',
      plan: 'plus',
      via: 'api-key',
      apiKeyId: 'k1',
    });
    now = 4_999;
    await verifier.verify(key);
    assert.equal(auth.calls(), 1);
    now = 5_000;
    await verifier.verify(key);
    assert.equal(auth.calls(), 2, 'expired entries are asked again');
  });

  test('the TTL is capped at 5 seconds whatever is configured', async () => {
    const auth = fakeAuth();
    let now = 0;
    const key = newKey();
    auth.keys.set(key, {
      userId: 'u1',
      role: 'user',
      plan: 'free',
      emailVerified: false,
      keyId: 'k1',
    });
    const verifier = new ApiKeyVerifier(auth.lookup, { ttlMs: 60_000, now: () => now });
    await verifier.verify(key);
    now = 5_000;
    await verifier.verify(key);
    assert.equal(auth.calls(), 2);
  });

  test('a revocation broadcast drops the key; a disabled user drops all its keys', async () => {
    const auth = fakeAuth();
    const [a, b, c] = [newKey(), newKey(), newKey()];
    auth.keys.set(a, {
      userId: 'u1',
      role: 'user',
      plan: 'free',
      emailVerified: false,
      keyId: 'ka',
    });
    auth.keys.set(b, {
      userId: 'u1',
      role: 'user',
      plan: 'free',
      emailVerified: false,
      keyId: 'kb',
    });
    auth.keys.set(c, {
      userId: 'u2',
      role: 'user',
      plan: 'free',
      emailVerified: false,
      keyId: 'kc',
    });
    const verifier = new ApiKeyVerifier(auth.lookup);
    for (const key of [a, b, c]) await verifier.verify(key);
    assert.equal(verifier.size, 3);
    auth.keys.delete(a);
    verifier.dropKey('ka');
    assert.equal(await codeOf(verifier.verify(a)), 'TOKEN_INVALID');
    auth.keys.delete(b);
    verifier.dropUser('u1');
    assert.equal(await codeOf(verifier.verify(b)), 'TOKEN_INVALID');
    assert.equal((await verifier.verify(c)).id, 'u2');
  });

  test('a lookup that raced a revocation is not cached', async () => {
    const auth = fakeAuth();
    const key = newKey();
    auth.keys.set(key, {
      userId: 'u1',
      role: 'user',
      plan: 'free',
      emailVerified: false,
      keyId: 'k1',
    });
    const verifier = new ApiKeyVerifier(auth.lookup);
    const release = auth.hold();
    const pending = verifier.verify(key);
    auth.keys.delete(key);
    verifier.dropKey('k1');
    release();
    await pending;
    assert.equal(await codeOf(verifier.verify(key)), 'TOKEN_INVALID');
  });

  test('refusals are cached briefly; malformed keys never reach auth; concurrent lookups share one call', async () => {
    const auth = fakeAuth();
    const verifier = new ApiKeyVerifier(auth.lookup);
    const unknown = newKey();
    assert.equal(await codeOf(verifier.verify(unknown)), 'TOKEN_INVALID');
    assert.equal(await codeOf(verifier.verify(unknown)), 'TOKEN_INVALID');
    assert.equal(auth.calls(), 1);
    assert.equal(await codeOf(verifier.verify('dk_short')), 'TOKEN_INVALID');
    assert.equal(auth.calls(), 1);
    const key = newKey();
    auth.keys.set(key, {
      userId: 'u1',
      role: 'admin',
      plan: 'pro',
      emailVerified: true,
      keyId: 'k1',
    });
    await Promise.all([verifier.verify(key), verifier.verify(key), verifier.verify(key)]);
    assert.equal(auth.calls(), 2);
  });

  test('an unreachable auth is not remembered as a refusal', async () => {
    let fail = true;
    const key = newKey();
    const verifier = new ApiKeyVerifier(async () => {
      if (fail) throw new DocatError('DEADLINE_EXCEEDED');
      return { userId: 'u1', role: 'user', plan: 'free', emailVerified: false, keyId: 'k1' };
    });
    assert.equal(await codeOf(verifier.verify(key)), 'DEADLINE_EXCEEDED');
    fail = false;
    assert.equal((await verifier.verify(key)).id, 'u1');
  });
});
