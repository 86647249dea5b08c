import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createKeyring, encryptSecret, SecretDecryptionError } from './encryption.js';
import { openPdfPassword, sealPdfPassword } from './pdf-password.js';

describe('PDF password sealing', () => {
  const keyring = createKeyring(randomBytes(32));
  const upload = 'uploads/01a24bfe-ff1b-7000-8d23-53b0917c333e';

  test('a sealed password holds no trace of the plaintext and opens for its upload only', () => {
    const sealed = sealPdfPassword(keyring, 'correct horse battery', upload);
    assert.match(sealed, /^enc:v1:/);
    for (const form of [
      'correct horse battery',
      Buffer.from('correct horse battery').toString('base64'),
      Buffer.from('correct horse battery').toString('hex'),
    ]) {
      assert.ok(!sealed.includes(form), form);
    }
    assert.equal(openPdfPassword(keyring, sealed, upload), 'correct horse battery');
    assert.throws(
      () => openPdfPassword(keyring, sealed, 'uploads/01a24bfe-ff1b-7000-8d23-000000000000'),
      SecretDecryptionError,
    );
    assert.throws(
      () => openPdfPassword(createKeyring(randomBytes(32)), sealed, upload),
      SecretDecryptionError,
    );
  });

  test('a password stored before sealing moved to the gateway (bound to the job id) still opens with the job id', () => {
    const legacy = encryptSecret(keyring, 'old secret', 'job-7');
    assert.equal(openPdfPassword(keyring, legacy, upload, 'job-7'), 'old secret');
    assert.throws(() => openPdfPassword(keyring, legacy, upload), SecretDecryptionError);
    assert.throws(() => openPdfPassword(keyring, legacy, upload, 'job-8'), SecretDecryptionError);
  });
});
