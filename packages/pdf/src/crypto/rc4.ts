/**
 * RC4 (ARCFOUR), needed by PDF's standard security handler revisions 2-4. Node's
 * OpenSSL 3 ships RC4 only in the legacy provider, which is not loaded by default.
 */
export function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  const s = new Uint8Array(256);
  for (let i = 0; i < 256; i++) s[i] = i;
  let j = 0;
  const keyLength = key.length || 1;
  for (let i = 0; i < 256; i++) {
    j = (j + s[i]! + (key[i % keyLength] ?? 0)) & 0xff;
    const t = s[i]!;
    s[i] = s[j]!;
    s[j] = t;
  }
  const out = new Uint8Array(data.length);
  let a = 0;
  let b = 0;
  for (let k = 0; k < data.length; k++) {
    a = (a + 1) & 0xff;
    b = (b + s[a]!) & 0xff;
    const t = s[a]!;
    s[a] = s[b]!;
    s[b] = t;
    out[k] = data[k]! ^ s[(s[a]! + s[b]!) & 0xff]!;
  }
  return out;
}
