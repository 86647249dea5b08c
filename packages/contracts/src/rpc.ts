import { z } from 'zod';
import { jobListSchema, jobViewSchema } from './jobs.js';
import { RPC, type RpcPattern } from './names.js';
import { outputFormatSchema, uploadOptionsSchema } from './upload.js';

/**
 * Request and response schemas of every RPC pattern. The transport validates the
 * envelope; handlers validate `data` against `request`, callers may check `response`.
 * Bump `version` when a payload changes incompatibly and keep answering the old one
 * until no caller sends it.
 */
export interface RpcContract<Req extends z.ZodType, Res extends z.ZodType> {
  pattern: RpcPattern;
  version: number;
  request: Req;
  response: Res;
}

function rpc<Req extends z.ZodType, Res extends z.ZodType>(
  pattern: RpcPattern,
  request: Req,
  response: Res,
  version = 1,
): RpcContract<Req, Res> {
  return { pattern, version, request, response };
}

const email = z.email().max(254).transform((e) => e.toLowerCase());
const password = z.string().min(8).max(256);

export const tokenPairSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int().positive(),
  tokenType: z.literal('Bearer'),
});
export type TokenPair = z.infer<typeof tokenPairSchema>;

export const userViewSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(['user', 'admin']),
  plan: z.string(),
  createdAt: z.iso.datetime(),
});
export type UserView = z.infer<typeof userViewSchema>;

export const jwkSchema = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string(),
  kid: z.string(),
  alg: z.literal('EdDSA'),
  use: z.literal('sig'),
});
export const jwksSchema = z.object({ keys: z.array(jwkSchema) });
export type Jwks = z.infer<typeof jwksSchema>;

/** The stored upload the gateway hands to ingestion: never a user-supplied key. */
export const storedUploadSchema = z.object({
  storageKey: z.string().regex(/^uploads\/[0-9a-f-]{36}$/),
  bytes: z.number().int().positive(),
  fileName: z.string().max(255),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type StoredUpload = z.infer<typeof storedUploadSchema>;

export const resultLocationSchema = z.object({
  storageKey: z.string(),
  bytes: z.number().int().nonnegative(),
  etag: z.string(),
  contentType: z.string(),
  fileName: z.string(),
});
export type ResultLocation = z.infer<typeof resultLocationSchema>;

const jobRef = z.object({ userId: z.string(), jobId: z.string().max(64) });

export const RPC_CONTRACTS = {
  [RPC.AUTH_REGISTER]: rpc(RPC.AUTH_REGISTER, z.object({ email, password }), userViewSchema),
  [RPC.AUTH_LOGIN]: rpc(
    RPC.AUTH_LOGIN,
    z.object({ email, password: z.string().max(256), ip: z.string().max(64).optional() }),
    tokenPairSchema,
  ),
  [RPC.AUTH_REFRESH]: rpc(RPC.AUTH_REFRESH, z.object({ refreshToken: z.string().max(512) }), tokenPairSchema),
  [RPC.AUTH_LOGOUT]: rpc(RPC.AUTH_LOGOUT, z.object({ refreshToken: z.string().max(512) }), z.object({ ok: z.literal(true) })),
  [RPC.AUTH_JWKS]: rpc(RPC.AUTH_JWKS, z.object({}), jwksSchema),
  [RPC.AUTH_ME]: rpc(RPC.AUTH_ME, z.object({ userId: z.string() }), userViewSchema),
  [RPC.JOBS_CREATE]: rpc(
    RPC.JOBS_CREATE,
    z.object({
      userId: z.string(),
      upload: storedUploadSchema,
      options: uploadOptionsSchema,
      idempotencyKey: z.string().max(255).optional(),
    }),
    jobViewSchema,
  ),
  [RPC.JOBS_GET]: rpc(RPC.JOBS_GET, jobRef, jobViewSchema),
  [RPC.JOBS_LIST]: rpc(
    RPC.JOBS_LIST,
    z.object({ userId: z.string(), cursor: z.string().max(128).optional(), limit: z.number().int().min(1).max(100).default(20) }),
    jobListSchema,
  ),
  [RPC.JOBS_CANCEL]: rpc(RPC.JOBS_CANCEL, jobRef, jobViewSchema),
  [RPC.JOBS_RESULT]: rpc(RPC.JOBS_RESULT, jobRef.extend({ format: outputFormatSchema }), resultLocationSchema),
} as const;

export type RpcRequest<P extends keyof typeof RPC_CONTRACTS> = z.input<(typeof RPC_CONTRACTS)[P]['request']>;
export type RpcResponse<P extends keyof typeof RPC_CONTRACTS> = z.infer<(typeof RPC_CONTRACTS)[P]['response']>;
