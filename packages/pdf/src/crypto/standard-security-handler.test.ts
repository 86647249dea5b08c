import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rc4 } from './rc4.js';
import { decryptBytes } from './standard-security-handler.js';

test('RC4 matches the published test vectors', () => {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  assert.equal(hex(rc4(Buffer.from('Key'), Buffer.from('Plaintext'))), 'bbf316e8d940af0ad3');
  assert.equal(hex(rc4(Buffer.from('Wiki'), Buffer.from('pedia'))), '1021bf0420');
});

test('AES data shorter than one block decrypts to nothing instead of failing', () => {
  assert.equal(decryptBytes(new Uint8Array(16), 'aes-128', 1, 0, new Uint8Array(7)).length, 0);
});
