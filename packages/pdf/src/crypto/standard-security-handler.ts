import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { rc4 } from './rc4.js';

/** Padding string of PDF 2.0 §7.6.4.3, Algorithm 2 step a. */
const PASSWORD_PAD = Uint8Array.from([
  0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e, 0x56, 0xff, 0xfa, 0x01, 0x08,
  0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68, 0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a,
]);

export type CipherMethod = 'none' | 'rc4' | 'aes-128' | 'aes-256';

/** The entries of the encryption dictionary the standard security handler reads. */
export interface StandardEncryptionParams {
  v: number;
  r: number;
  /** Key length in bytes. */
  length: number;
  o: Uint8Array;
  u: Uint8Array;
  oe?: Uint8Array;
  ue?: Uint8Array;
  p: number;
  id0: Uint8Array;
  encryptMetadata: boolean;
  stringMethod: CipherMethod;
  streamMethod: CipherMethod;
}

export interface Authentication {
  fileKey: Uint8Array;
  /** True when the password given was the owner password: permissions do not bind its holder. */
  owner: boolean;
}

const md5 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

const sha = (algorithm: 'sha256' | 'sha384' | 'sha512', ...parts: Uint8Array[]): Uint8Array => {
  const h = createHash(algorithm);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function padPassword(password: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  const n = Math.min(32, password.length);
  out.set(password.subarray(0, n));
  out.set(PASSWORD_PAD.subarray(0, 32 - n), n);
  return out;
}

function int32le(v: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, v | 0, true);
  return out;
}

/** Algorithm 2: the file key from a (padded) user password, revisions 2-4. */
function legacyFileKey(params: StandardEncryptionParams, password: Uint8Array): Uint8Array {
  const n = params.r === 2 ? 5 : Math.max(5, Math.min(16, params.length));
  const parts = [padPassword(password), params.o.subarray(0, 32), int32le(params.p), params.id0];
  if (params.r >= 4 && !params.encryptMetadata)
    parts.push(Uint8Array.from([0xff, 0xff, 0xff, 0xff]));
  let key = md5(...parts);
  if (params.r >= 3) for (let i = 0; i < 50; i++) key = md5(key.subarray(0, n));
  return key.slice(0, n);
}

/** Algorithms 4/5 and 6: checks the user password, returning the file key on success. */
function authenticateLegacyUser(
  params: StandardEncryptionParams,
  password: Uint8Array,
): Uint8Array | null {
  const key = legacyFileKey(params, password);
  if (params.r === 2) {
    return equalBytes(rc4(key, PASSWORD_PAD), params.u.subarray(0, 32)) ? key : null;
  }
  let x = rc4(key, md5(PASSWORD_PAD, params.id0));
  for (let i = 1; i <= 19; i++)
    x = rc4(
      key.map((b) => b ^ i),
      x,
    );
  return equalBytes(x.subarray(0, 16), params.u.subarray(0, 16)) ? key : null;
}

/** Algorithm 7: recovers the user password from the owner password, then authenticates it. */
function authenticateLegacyOwner(
  params: StandardEncryptionParams,
  password: Uint8Array,
): Uint8Array | null {
  const n = params.r === 2 ? 5 : Math.max(5, Math.min(16, params.length));
  let h = md5(padPassword(password));
  if (params.r >= 3) for (let i = 0; i < 50; i++) h = md5(h);
  const key = h.slice(0, n);
  let userPassword = params.o.subarray(0, 32);
  if (params.r === 2) userPassword = rc4(key, userPassword);
  else
    for (let i = 19; i >= 0; i--)
      userPassword = rc4(
        key.map((b) => b ^ i),
        userPassword,
      );
  return authenticateLegacyUser(params, userPassword);
}

/** Algorithm 2.B (revision 6) or plain SHA-256 (revision 5). */
function hashR6(
  params: StandardEncryptionParams,
  password: Uint8Array,
  salt: Uint8Array,
  userKey: Uint8Array,
): Uint8Array {
  const first = sha('sha256', password, salt, userKey);
  if (params.r < 6) return first;
  let k = first;
  let e = new Uint8Array(0);
  for (let round = 0; round < 64 || e[e.length - 1]! > round - 32; round++) {
    if (round > 2048) break;
    const k1 = concat(password, k, userKey);
    const block = new Uint8Array(k1.length * 64);
    for (let i = 0; i < 64; i++) block.set(k1, i * k1.length);
    const cipher = createCipheriv('aes-128-cbc', k.subarray(0, 16), k.subarray(16, 32));
    cipher.setAutoPadding(false);
    e = new Uint8Array(Buffer.concat([cipher.update(block), cipher.final()]));
    let sum = 0;
    for (let i = 0; i < 16; i++) sum += e[i]!;
    const algorithm = (['sha256', 'sha384', 'sha512'] as const)[sum % 3]!;
    k = sha(algorithm, e);
  }
  return k.subarray(0, 32);
}

function aes256NoPadDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  const d = createDecipheriv('aes-256-cbc', key, Buffer.alloc(16));
  d.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([d.update(data), d.final()]));
}

/** Algorithms 2.A, 11 and 12 (revisions 5 and 6). */
function authenticateAes256(
  params: StandardEncryptionParams,
  password: Uint8Array,
): Authentication | null {
  const pw = password.subarray(0, 127);
  const u = params.u;
  const o = params.o;
  if (u.length < 48 || o.length < 48) return null;
  const u48 = u.subarray(0, 48);
  if (equalBytes(hashR6(params, pw, o.subarray(32, 40), u48), o.subarray(0, 32))) {
    if (!params.oe || params.oe.length < 32) return null;
    const key = hashR6(params, pw, o.subarray(40, 48), u48);
    return { fileKey: aes256NoPadDecrypt(key, params.oe.subarray(0, 32)), owner: true };
  }
  if (equalBytes(hashR6(params, pw, u.subarray(32, 40), new Uint8Array(0)), u.subarray(0, 32))) {
    if (!params.ue || params.ue.length < 32) return null;
    const key = hashR6(params, pw, u.subarray(40, 48), new Uint8Array(0));
    return { fileKey: aes256NoPadDecrypt(key, params.ue.subarray(0, 32)), owner: false };
  }
  return null;
}

/**
 * Tries a password as user then owner password (revisions 2-4) or owner then user
 * (revisions 5-6, where the order is fixed by Algorithm 2.A). Null: it opens nothing.
 */
export function authenticate(
  params: StandardEncryptionParams,
  password: string,
): Authentication | null {
  if (params.r >= 5) {
    // Revision 5/6 passwords are UTF-8 (after SASLprep; NFKC normalisation covers common input).
    return authenticateAes256(
      params,
      new Uint8Array(Buffer.from(password.normalize('NFKC'), 'utf8')),
    );
  }
  const bytes = new Uint8Array(Buffer.from(password, 'latin1'));
  const user = authenticateLegacyUser(params, bytes);
  if (user) return { fileKey: user, owner: false };
  const owner = authenticateLegacyOwner(params, bytes);
  if (owner) return { fileKey: owner, owner: true };
  return null;
}

/** Algorithm 1: the per-object key for RC4 and AES-128; AES-256 uses the file key itself. */
function objectKey(
  fileKey: Uint8Array,
  method: CipherMethod,
  objectNumber: number,
  generation: number,
): Uint8Array {
  if (method === 'aes-256') return fileKey;
  const extra = Uint8Array.from([
    objectNumber & 0xff,
    (objectNumber >> 8) & 0xff,
    (objectNumber >> 16) & 0xff,
    generation & 0xff,
    (generation >> 8) & 0xff,
  ]);
  const salt = method === 'aes-128' ? Uint8Array.from([0x73, 0x41, 0x6c, 0x54]) : new Uint8Array(0);
  return md5(fileKey, extra, salt).slice(0, Math.min(fileKey.length + 5, 16));
}

function aesCbcDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length < 16) return new Uint8Array(0);
  const body = data.subarray(16, 16 + Math.floor((data.length - 16) / 16) * 16);
  if (body.length === 0) return new Uint8Array(0);
  const algorithm = key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc';
  const d = createDecipheriv(algorithm, key, data.subarray(0, 16));
  d.setAutoPadding(false);
  const plain = new Uint8Array(Buffer.concat([d.update(body), d.final()]));
  // PKCS#5 padding; files with damaged padding keep their bytes rather than failing.
  const pad = plain[plain.length - 1]!;
  if (pad >= 1 && pad <= 16 && plain.length >= pad) {
    let ok = true;
    for (let i = plain.length - pad; i < plain.length; i++) if (plain[i] !== pad) ok = false;
    if (ok) return plain.subarray(0, plain.length - pad);
  }
  return plain;
}

export function decryptBytes(
  fileKey: Uint8Array,
  method: CipherMethod,
  objectNumber: number,
  generation: number,
  data: Uint8Array,
): Uint8Array {
  if (method === 'none') return data;
  const key = objectKey(fileKey, method, objectNumber, generation);
  if (method === 'rc4') return rc4(key, data);
  return aesCbcDecrypt(key, data);
}
