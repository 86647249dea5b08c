import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { calculateJwkThumbprint, SignJWT } from 'jose';
import { ACCESS_TOKEN, jwkSchema, uuidv7, type Jwks } from '@docat/contracts';

type PublicJwk = Jwks['keys'][number];

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: PublicJwk;
}

export interface AccessTokenSubject {
  userId: string;
  role: 'user' | 'admin';
  plan: string;
  /** The session (refresh-token family) the token belongs to. */
  sessionId: string;
}

async function publicJwkOf(privateKey: KeyObject): Promise<PublicJwk> {
  const exported = createPublicKey(privateKey).export({ format: 'jwk' });
  const base = { kty: 'OKP' as const, crv: 'Ed25519' as const, x: String(exported.x) };
  // RFC 7638 thumbprint: the kid is derived from the key, so replicas agree on it.
  const kid = await calculateJwkThumbprint(base, 'sha256');
  return jwkSchema.parse({ ...base, kid, alg: ACCESS_TOKEN.algorithm, use: 'sig' });
}

export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicJwk = await publicJwkOf(privateKey);
  return { kid: publicJwk.kid, privateKey, publicJwk };
}

export function exportPrivateKey(key: SigningKey): string {
  return key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export async function importSigningKey(pkcs8Pem: string): Promise<SigningKey> {
  const privateKey = createPrivateKey({ key: pkcs8Pem, format: 'pem' });
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('a signing key must be Ed25519');
  const publicJwk = await publicJwkOf(privateKey);
  return { kid: publicJwk.kid, privateKey, publicJwk };
}

export async function signAccessToken(
  key: SigningKey,
  subject: AccessTokenSubject,
  ttlSeconds: number,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): Promise<string> {
  return new SignJWT({ role: subject.role, plan: subject.plan, sid: subject.sessionId })
    .setProtectedHeader({ alg: ACCESS_TOKEN.algorithm, kid: key.kid, typ: ACCESS_TOKEN.type })
    .setSubject(subject.userId)
    .setIssuer(ACCESS_TOKEN.issuer)
    .setAudience(ACCESS_TOKEN.audience)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + ttlSeconds)
    .setJti(uuidv7())
    .sign(key.privateKey);
}
