import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  blobKeyId,
  createKeyring,
  decryptSecret,
  encryptSecret,
  generateKey,
  needsReencryption,
  reencrypt,
  SecretDecryptionError,
} from './encryption.js';

const failsWith = (reason: string) => (err: unknown) =>
  err instanceof SecretDecryptionError && err.reason === reason;

describe('encryptSecret / decryptSecret', () => {
  const ring = createKeyring(generateKey());

  test('round-trips text, including empty and non-ASCII', () => {
    for (const secret of ['', 'whsec_abc', 'pässwörd 密码 🔑', 'x'.repeat(10_000)]) {
      assert.equal(decryptSecret(ring, encryptSecret(ring, secret)), secret);
    }
  });

  test('uses a fresh nonce each time and names the key', () => {
    const a = encryptSecret(ring, 'same');
    const b = encryptSecret(ring, 'same');
    assert.notEqual(a, b);
    assert.match(a, /^enc:v1:[A-Za-z0-9_-]{8}:/);
    assert.equal(blobKeyId(a), ring.current.id);
    assert.doesNotMatch(a, /same/);
  });

  test('detects any altered byte', () => {
    const blob = encryptSecret(ring, 'webhook secret');
    const [head, nonce, body] = [blob.slice(0, 17), ...blob.slice(17).split(':')] as [
      string,
      string,
      string,
    ];
    const bytes = Buffer.from(body, 'base64url');
    for (const index of [0, bytes.length - 1]) {
      const flipped = Buffer.from(bytes);
      flipped[index]! ^= 1;
      assert.throws(
        () => decryptSecret(ring, `${head}${nonce}:${flipped.toString('base64url')}`),
        failsWith('tampered'),
      );
    }
    const nonceBytes = Buffer.from(nonce, 'base64url');
    nonceBytes[0]! ^= 1;
    assert.throws(
      () => decryptSecret(ring, `${head}${nonceBytes.toString('base64url')}:${body}`),
      failsWith('tampered'),
    );
    assert.throws(
      () => decryptSecret(ring, blob.slice(0, -4)),
      (err) => err instanceof SecretDecryptionError,
    );
  });

  test('binds the context: a blob cannot be replayed for another record', () => {
    const blob = encryptSecret(ring, 'pw', 'pdf-password:job-1');
    assert.equal(decryptSecret(ring, blob, 'pdf-password:job-1'), 'pw');
    assert.throws(() => decryptSecret(ring, blob, 'pdf-password:job-2'), failsWith('tampered'));
    assert.throws(() => decryptSecret(ring, blob), failsWith('tampered'));
  });

  test('rejects malformed input and unknown keys', () => {
    assert.throws(() => decryptSecret(ring, 'plaintext'), failsWith('malformed'));
    assert.throws(() => decryptSecret(ring, 'enc:v2:abcdefgh:AAAA:AAAA'), failsWith('malformed'));
    const stranger = createKeyring(generateKey());
    assert.throws(
      () => decryptSecret(ring, encryptSecret(stranger, 'x')),
      failsWith('unknown-key'),
    );
  });

  test('refuses keys that are not 32 bytes', () => {
    assert.throws(() => createKeyring(Buffer.alloc(16).toString('base64')), /32 bytes/);
  });
});

describe('key rotation', () => {
  test('old blobs stay readable and reencrypt moves them to the current key', () => {
    const oldKey = generateKey();
    const newKey = generateKey();
    const before = createKeyring(oldKey);
    const blob = encryptSecret(before, 'signing key pem', 'signing-key:1');

    const after = createKeyring(newKey, [oldKey]);
    assert.notEqual(after.current.id, before.current.id);
    assert.equal(decryptSecret(after, blob, 'signing-key:1'), 'signing key pem');
    assert.equal(needsReencryption(after, blob), true);

    const rotated = reencrypt(after, blob, 'signing-key:1');
    assert.equal(blobKeyId(rotated), after.current.id);
    assert.equal(needsReencryption(after, rotated), false);
    assert.equal(
      reencrypt(after, rotated, 'signing-key:1'),
      rotated,
      'already-current blobs are returned unchanged',
    );

    // Once the old key is dropped, only rotated values remain readable.
    const retired = createKeyring(newKey);
    assert.equal(decryptSecret(retired, rotated, 'signing-key:1'), 'signing key pem');
    assert.throws(() => decryptSecret(retired, blob, 'signing-key:1'), failsWith('unknown-key'));
  });

  test('duplicate previous keys are ignored', () => {
    const key = generateKey();
    const other = generateKey();
    assert.equal(createKeyring(key, [key, other, other]).previous.length, 1);
  });
});
