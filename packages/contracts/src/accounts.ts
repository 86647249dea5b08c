import { z } from 'zod';

/**
 * Identity payloads beyond register/login: sessions, API keys, password reset, email
 * verification, invitations and the admin views of users. The RPC contracts that carry
 * them are in `rpc.ts`.
 */

/** The plans an account can be on (credits per month are the credits ledger's business). */
export const PLANS = ['free', 'plus', 'pro'] as const;
export const planSchema = z.enum(PLANS);
export type Plan = z.infer<typeof planSchema>;

export const roleSchema = z.enum(['user', 'admin']);
export type Role = z.infer<typeof roleSchema>;

const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected an id');

/** One login: every refresh token rotated from it belongs to it. */
export const sessionViewSchema = z.object({
  id: z.string(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  /** The session the request's access token belongs to (set by the gateway). */
  current: z.boolean().default(false),
});
export type SessionView = z.infer<typeof sessionViewSchema>;

/**
 * API keys: `dk_` and 43 base64url characters (256 random bits). The whole key is
 * answered once, at creation; afterwards only its first characters identify it.
 */
export const API_KEY_PREFIX = 'dk_';
export const API_KEY_SHAPE = /^dk_[A-Za-z0-9_-]{43}$/;

export const apiKeyViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** `dk_` and the key's first 8 characters, enough to recognise it in a list. */
  prefix: z.string(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  expiresAt: z.iso.datetime().nullable(),
});
export type ApiKeyView = z.infer<typeof apiKeyViewSchema>;
export const createdApiKeySchema = apiKeyViewSchema.extend({
  key: z.string().regex(API_KEY_SHAPE),
});
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>;

/** Body of `POST /v1/api-keys`. */
export const apiKeyCreateSchema = z.object({
  name: z.string().trim().min(1).max(100).default('API key'),
  /** Unset: the key does not expire. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});

/** What the gateway learns about a valid API key: the same principal an access token gives. */
export const apiKeyPrincipalSchema = z.object({
  userId: z.string(),
  role: roleSchema,
  plan: z.string(),
  emailVerified: z.boolean(),
  keyId: z.string(),
});
export type ApiKeyPrincipal = z.infer<typeof apiKeyPrincipalSchema>;

/** Single-use tokens sent by mail (password reset, email verification): 256 random bits, base64url. */
export const MAIL_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const mailToken = z.string().max(128);

export const passwordResetConfirmSchema = z.object({
  token: mailToken,
  password: z.string().min(8).max(256),
});
export const emailVerifySchema = z.object({ token: mailToken });

/** A user as administrators see it. */
export const adminUserViewSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: roleSchema,
  plan: z.string(),
  emailVerified: z.boolean(),
  disabledAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
export type AdminUserView = z.infer<typeof adminUserViewSchema>;

export const adminUserListQuerySchema = z.object({
  /** Case-insensitive substring of the email. */
  email: z.string().trim().min(1).max(254).optional(),
  /** The last id of the previous page. */
  cursor: uuid.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export const adminUserListSchema = z.object({
  items: z.array(adminUserViewSchema),
  nextCursor: z.string().nullable(),
});
export type AdminUserList = z.infer<typeof adminUserListSchema>;

export const adminSetPlanSchema = z.object({ plan: planSchema });

export const inviteCreateSchema = z.object({
  /** When set, only this address may register with the code. */
  email: z
    .email()
    .max(254)
    .transform((e) => e.toLowerCase())
    .optional(),
  expiresInDays: z.number().int().min(1).max(90).default(7),
});
export const inviteViewSchema = z.object({
  id: z.string(),
  code: z.string(),
  email: z.string().nullable(),
  expiresAt: z.iso.datetime(),
});
export type InviteView = z.infer<typeof inviteViewSchema>;

/** Broadcast `auth.api-key-revoked`: every gateway drops the key from its cache. */
export const apiKeyRevokedEventSchema = z.object({ keyId: z.string(), userId: z.string() });
/**
 * Broadcasts `auth.user-disabled` and `auth.user-tokens-revoked`: gateways refuse the
 * user's access tokens issued at or before `at` (epoch seconds) until they expire; a
 * disabled user's API keys are dropped from every cache too.
 */
export const userTokensRevokedEventSchema = z.object({ userId: z.string(), at: z.number().int() });
export type UserTokensRevokedEvent = z.infer<typeof userTokensRevokedEventSchema>;
/**
 * Broadcast `auth.session-revoked` (one session signed out, refresh-token reuse):
 * gateways refuse every access token carrying that `sid`; `at` (epoch seconds) dates the
 * revocation, so the entry can be forgotten once no such token can be valid.
 */
export const sessionRevokedEventSchema = z.object({ sessionId: z.string(), at: z.number().int() });
/** Broadcast `auth.signing-key-rotated`: gateways refetch the JWKS. */
export const signingKeyRotatedEventSchema = z.object({ kid: z.string() });

/** A session, API key or user id in a request: a UUID, so a malformed one fails validation, not a lookup. */
export const idSchema = uuid;
