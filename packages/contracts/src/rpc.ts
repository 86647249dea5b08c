import { z } from 'zod';
import {
  adminSetPlanSchema,
  adminUserListQuerySchema,
  adminUserListSchema,
  adminUserViewSchema,
  apiKeyCreateSchema,
  apiKeyPrincipalSchema,
  apiKeyViewSchema,
  createdApiKeySchema,
  emailVerifySchema,
  idSchema,
  inviteCreateSchema,
  inviteViewSchema,
  passwordResetConfirmSchema,
  sessionViewSchema,
} from './accounts.js';
import { jobEventSchema, jobListSchema, jobStateSchema, jobViewSchema } from './jobs.js';
import { languageSchema } from './languages.js';
import { RPC, type RpcPattern } from './names.js';
import { engineNameSchema, outputFormatSchema, uploadOptionsSchema } from './upload.js';
import { webhookRpcSchemas as webhooks } from './webhooks.js';
import { creditsRpcSchemas as credits, dryRunSchema } from './credits.js';
import { accountDataRpcSchemas as accountData } from './account-data.js';
import { queueAdminRpcSchemas as queueAdmin } from './queue-admin.js';
import { stepClaimSchema, stepLeaseAnswerSchema } from './queues.js';
import { inactiveAccountsRpcSchemas as inactiveAccounts } from './retention.js';

export * from './accounts.js';

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

const email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());
const password = z.string().min(8).max(256);
/**
 * The upload options as they cross the bus: the PDF password is never among them. The
 * gateway seals it (`sealPdfPassword` in @docat/config) and sends the blob beside them.
 */
const jobOptionsSchema = uploadOptionsSchema.omit({ password: true }).strict();
const sealedPasswordSchema = z.string().startsWith('enc:').max(4096);

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
  /** Free credits are granted only once this is true. */
  emailVerified: z.boolean(),
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
  /** Computed by the gateway while streaming the upload in: the file's identity (dedupe, idempotency). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /**
   * The page count the file's page tree declares, read by the gateway from the bytes it
   * streamed (`@docat/pdf/page-tree`), so that ingestion need not read the stored object
   * again: null when the page tree could not be read cheaply (the credits estimate then
   * runs the full probe), absent when the gateway did not count (ingestion reads the page
   * tree from storage itself). Not checked against any limit here: ingestion applies them.
   */
  declaredPages: z.number().int().nonnegative().nullable().optional(),
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

/** One configured translation engine, as `translation.engines` answers (`GET /v1/engines`). */
export const engineInfoSchema = z.object({
  name: z.string(),
  model: z.string(),
  paid: z.boolean(),
  offline: z.boolean(),
  /** The engine an upload that names none uses (`translation.resolve-engine`). */
  default: z.boolean(),
  languages: z.object({ source: z.array(z.string()), target: z.array(z.string()) }),
  health: z.object({ ok: z.boolean(), detail: z.string().optional() }),
});
export type EngineInfo = z.infer<typeof engineInfoSchema>;

export const ENGINE_CHOICE_REASONS = [
  'requested',
  'default',
  'chain',
  'configured',
  'pseudo-fallback',
] as const;

/**
 * The engine a job uses, decided once when the job is created (`translation.resolve-engine`,
 * the one rule in `@docat/translate`) and stored on the job; every later step reads it there.
 * `pseudo-fallback`: no engine is configured at all.
 */
export const engineChoiceSchema = z.object({
  engine: engineNameSchema,
  model: z.string(),
  /** From the engine itself: whether its characters are billed. */
  paid: z.boolean(),
  reason: z.enum(ENGINE_CHOICE_REASONS),
});
export type EngineChoice = z.infer<typeof engineChoiceSchema>;

export const resolveEngineRequestSchema = z.object({
  engine: engineNameSchema.optional(),
  sourceLanguage: languageSchema.optional(),
  targetLanguage: languageSchema,
});

/** A glossary as listed; `version` changes with its content (translation memory keys include it). */
export const glossaryViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  sourceLanguage: z.string(),
  targetLanguage: z.string(),
  entryCount: z.number().int().nonnegative(),
  version: z.string(),
  createdAt: z.string(),
  /** When the name, languages or terms last changed (the creation time until then). */
  updatedAt: z.string(),
});
export type GlossaryView = z.infer<typeof glossaryViewSchema>;
export const glossaryDetailSchema = glossaryViewSchema.extend({
  entries: z.array(z.object({ term: z.string(), translation: z.string() })),
});
export type GlossaryDetail = z.infer<typeof glossaryDetailSchema>;

/** Bounds of a glossary, whether it arrives as CSV or as entries. */
export const GLOSSARY_MAX_BYTES = 1_000_000;
export const GLOSSARY_MAX_ENTRIES = 10_000;
export const GLOSSARY_MAX_TERM_CHARS = 500;

const glossaryNameSchema = z.string().trim().min(1).max(200);
const glossaryCsvSchema = z.string().min(1).max(GLOSSARY_MAX_BYTES);

/** Body of `POST /v1/glossaries`: a CSV of `term,translation` rows for one language pair. */
export const glossaryCreateSchema = z.object({
  name: glossaryNameSchema.default('glossary'),
  sourceLanguage: languageSchema,
  targetLanguage: languageSchema,
  csv: glossaryCsvSchema,
});
const glossaryRef = z.object({ userId: z.string(), id: z.string().max(64) });

/**
 * The fields of `PATCH /v1/glossaries/:id`. Each given field replaces the stored one; the
 * terms come either as `csv` (a re-import) or as `entries` (the edited list), never both.
 * The translation service checks the terms as it checks an import (empty, too long, duplicate).
 */
const glossaryUpdateFields = z.object({
  name: glossaryNameSchema.optional(),
  sourceLanguage: languageSchema.optional(),
  targetLanguage: languageSchema.optional(),
  csv: glossaryCsvSchema.optional(),
  entries: z
    .array(
      z.object({
        term: z.string().max(GLOSSARY_MAX_TERM_CHARS * 2),
        translation: z.string().max(GLOSSARY_MAX_TERM_CHARS * 2),
      }),
    )
    .max(GLOSSARY_MAX_ENTRIES)
    .optional(),
});

function checkGlossaryUpdate(
  value: z.infer<typeof glossaryUpdateFields>,
  ctx: z.RefinementCtx,
): void {
  if (value.csv !== undefined && value.entries !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['csv'],
      message: 'give the terms as csv or as entries, not both',
    });
  const given = ['name', 'sourceLanguage', 'targetLanguage', 'csv', 'entries'] as const;
  if (!given.some((field) => value[field] !== undefined))
    ctx.addIssue({
      code: 'custom',
      path: [],
      message: 'nothing to change: give at least one of ' + given.join(', '),
    });
}

export const glossaryUpdateSchema = glossaryUpdateFields.superRefine(checkGlossaryUpdate);
export type GlossaryUpdate = z.infer<typeof glossaryUpdateSchema>;

/** TMX documents over RPC: the import body and export answer are bounded by this size. */
export const TMX_MAX_CHARS = 10_000_000;

export const RPC_CONTRACTS = {
  [RPC.AUTH_REGISTER]: rpc(
    RPC.AUTH_REGISTER,
    z.object({ email, password, inviteCode: z.string().max(128).optional() }),
    userViewSchema,
  ),
  [RPC.AUTH_LOGIN]: rpc(
    RPC.AUTH_LOGIN,
    z.object({
      email,
      password: z.string().max(256),
      ip: z.string().max(64).optional(),
      userAgent: z.string().max(512).optional(),
    }),
    tokenPairSchema,
  ),
  [RPC.AUTH_REFRESH]: rpc(
    RPC.AUTH_REFRESH,
    z.object({ refreshToken: z.string().max(512) }),
    tokenPairSchema,
  ),
  [RPC.AUTH_LOGOUT]: rpc(
    RPC.AUTH_LOGOUT,
    z.object({ refreshToken: z.string().max(512) }),
    z.object({ ok: z.literal(true) }),
  ),
  [RPC.AUTH_JWKS]: rpc(RPC.AUTH_JWKS, z.object({}), jwksSchema),
  [RPC.AUTH_ME]: rpc(RPC.AUTH_ME, z.object({ userId: z.string() }), userViewSchema),
  [RPC.AUTH_SESSIONS_LIST]: rpc(
    RPC.AUTH_SESSIONS_LIST,
    z.object({ userId: z.string() }),
    z.object({ items: z.array(sessionViewSchema) }),
  ),
  [RPC.AUTH_SESSIONS_REVOKE]: rpc(
    RPC.AUTH_SESSIONS_REVOKE,
    z.object({ userId: z.string(), sessionId: idSchema }),
    z.object({ ok: z.literal(true) }),
  ),
  [RPC.AUTH_SESSIONS_REVOKE_ALL]: rpc(
    RPC.AUTH_SESSIONS_REVOKE_ALL,
    z.object({ userId: z.string() }),
    z.object({ revoked: z.number().int().nonnegative() }),
  ),
  [RPC.AUTH_PASSWORD_RESET_REQUEST]: rpc(
    RPC.AUTH_PASSWORD_RESET_REQUEST,
    z.object({ email }),
    z.object({ ok: z.literal(true) }),
  ),
  [RPC.AUTH_PASSWORD_RESET_CONFIRM]: rpc(
    RPC.AUTH_PASSWORD_RESET_CONFIRM,
    passwordResetConfirmSchema,
    z.object({ ok: z.literal(true) }),
  ),
  [RPC.AUTH_EMAIL_VERIFY]: rpc(RPC.AUTH_EMAIL_VERIFY, emailVerifySchema, userViewSchema),
  [RPC.AUTH_EMAIL_VERIFY_RESEND]: rpc(
    RPC.AUTH_EMAIL_VERIFY_RESEND,
    z.object({ userId: z.string() }),
    z.object({ ok: z.literal(true) }),
  ),
  [RPC.AUTH_API_KEYS_CREATE]: rpc(
    RPC.AUTH_API_KEYS_CREATE,
    apiKeyCreateSchema.extend({ userId: z.string() }),
    createdApiKeySchema,
  ),
  [RPC.AUTH_API_KEYS_LIST]: rpc(
    RPC.AUTH_API_KEYS_LIST,
    z.object({ userId: z.string() }),
    z.object({ items: z.array(apiKeyViewSchema) }),
  ),
  [RPC.AUTH_API_KEYS_REVOKE]: rpc(
    RPC.AUTH_API_KEYS_REVOKE,
    z.object({ userId: z.string(), keyId: idSchema }),
    z.object({ ok: z.literal(true) }),
  ),
  [RPC.AUTH_VERIFY_API_KEY]: rpc(
    RPC.AUTH_VERIFY_API_KEY,
    z.object({ key: z.string().max(128) }),
    apiKeyPrincipalSchema,
  ),
  [RPC.AUTH_DENIED_USERS]: rpc(
    RPC.AUTH_DENIED_USERS,
    z.object({ sinceSeconds: z.number().int().nonnegative() }),
    z.object({
      items: z.array(z.object({ userId: z.string(), at: z.number().int() })),
      sessions: z.array(z.object({ sessionId: z.string(), at: z.number().int() })).default([]),
    }),
  ),
  [RPC.AUTH_ADMIN_USERS_LIST]: rpc(
    RPC.AUTH_ADMIN_USERS_LIST,
    adminUserListQuerySchema.extend({ actorId: z.string() }),
    adminUserListSchema,
  ),
  [RPC.AUTH_ADMIN_USER_SET_DISABLED]: rpc(
    RPC.AUTH_ADMIN_USER_SET_DISABLED,
    z.object({ actorId: z.string(), userId: idSchema, disabled: z.boolean() }),
    adminUserViewSchema,
  ),
  [RPC.AUTH_ADMIN_USER_SET_PLAN]: rpc(
    RPC.AUTH_ADMIN_USER_SET_PLAN,
    adminSetPlanSchema.extend({ actorId: z.string(), userId: idSchema }),
    adminUserViewSchema,
  ),
  [RPC.AUTH_ADMIN_INVITE_CREATE]: rpc(
    RPC.AUTH_ADMIN_INVITE_CREATE,
    inviteCreateSchema.extend({ actorId: z.string() }),
    inviteViewSchema,
  ),
  [RPC.JOBS_CREATE]: rpc(
    RPC.JOBS_CREATE,
    z.object({
      userId: z.string(),
      upload: storedUploadSchema,
      options: jobOptionsSchema,
      passwordSecret: sealedPasswordSchema.optional(),
      engine: engineChoiceSchema,
      idempotencyKey: z.string().max(255).optional(),
    }),
    jobViewSchema,
  ),
  [RPC.JOBS_GET]: rpc(RPC.JOBS_GET, jobRef, jobViewSchema),
  [RPC.JOBS_LIST]: rpc(
    RPC.JOBS_LIST,
    z.object({
      userId: z.string(),
      cursor: z.string().max(128).optional(),
      limit: z.number().int().min(1).max(100).default(20),
      /** Only jobs in this state. */
      state: jobStateSchema.optional(),
      /** Only jobs whose file name contains this, in any case. */
      q: z.string().trim().min(1).max(200).optional(),
    }),
    jobListSchema,
  ),
  [RPC.JOBS_CANCEL]: rpc(RPC.JOBS_CANCEL, jobRef, jobViewSchema),
  [RPC.JOBS_RESULT]: rpc(
    RPC.JOBS_RESULT,
    jobRef.extend({ format: outputFormatSchema }),
    resultLocationSchema,
  ),
  /** The uploaded PDF, while uploads are retained (the web viewer shows it beside the translation). */
  [RPC.JOBS_SOURCE]: rpc(RPC.JOBS_SOURCE, jobRef, resultLocationSchema),
  [RPC.JOBS_DELETE]: rpc(
    RPC.JOBS_DELETE,
    jobRef,
    z.object({ id: z.string(), objects: z.number().int().nonnegative() }),
  ),
  /** Where the job's fidelity report is (`GET /v1/jobs/:id/report`). */
  [RPC.JOBS_REPORT]: rpc(RPC.JOBS_REPORT, jobRef, resultLocationSchema),
  [RPC.JOBS_ESTIMATE]: rpc(
    RPC.JOBS_ESTIMATE,
    z.object({
      userId: z.string(),
      upload: storedUploadSchema,
      options: jobOptionsSchema,
      passwordSecret: sealedPasswordSchema.optional(),
      engine: engineChoiceSchema,
    }),
    dryRunSchema,
  ),
  [RPC.JOBS_ERASE_USER]: rpc(
    RPC.JOBS_ERASE_USER,
    accountData.eraseJobs.request,
    accountData.eraseJobs.response,
  ),
  [RPC.JOBS_ADMIN_QUEUES]: rpc(
    RPC.JOBS_ADMIN_QUEUES,
    queueAdmin.overview.request,
    queueAdmin.overview.response,
  ),
  [RPC.JOBS_ADMIN_QUEUE_FAILED]: rpc(
    RPC.JOBS_ADMIN_QUEUE_FAILED,
    queueAdmin.failed.request,
    queueAdmin.failed.response,
  ),
  [RPC.JOBS_ADMIN_QUEUE_RETRY]: rpc(
    RPC.JOBS_ADMIN_QUEUE_RETRY,
    queueAdmin.retry.request,
    queueAdmin.retry.response,
  ),
  [RPC.JOBS_ADMIN_QUEUE_REMOVE]: rpc(
    RPC.JOBS_ADMIN_QUEUE_REMOVE,
    queueAdmin.remove.request,
    queueAdmin.remove.response,
  ),
  /** A worker takes a step's lease before working on it; refused for a stale step. */
  [RPC.JOBS_STEP_CLAIM]: rpc(RPC.JOBS_STEP_CLAIM, stepClaimSchema, stepLeaseAnswerSchema),
  /** A running step extends its lease; refused once the lease is no longer this run's. */
  [RPC.JOBS_STEP_HEARTBEAT]: rpc(RPC.JOBS_STEP_HEARTBEAT, stepClaimSchema, stepLeaseAnswerSchema),
  [RPC.CREDITS_RESERVE]: rpc(
    RPC.CREDITS_RESERVE,
    credits.reserve.request,
    credits.reserve.response,
  ),
  [RPC.CREDITS_SETTLE]: rpc(RPC.CREDITS_SETTLE, credits.settle.request, credits.settle.response),
  [RPC.CREDITS_RELEASE]: rpc(
    RPC.CREDITS_RELEASE,
    credits.release.request,
    credits.release.response,
  ),
  [RPC.CREDITS_USAGE]: rpc(RPC.CREDITS_USAGE, credits.usage.request, credits.usage.response),
  [RPC.AUTH_ACCOUNT_EXPORT]: rpc(
    RPC.AUTH_ACCOUNT_EXPORT,
    accountData.export.request,
    accountData.export.response,
  ),
  [RPC.AUTH_ACCOUNT_DELETE]: rpc(
    RPC.AUTH_ACCOUNT_DELETE,
    accountData.delete.request,
    accountData.delete.response,
  ),
  [RPC.AUTH_INACTIVE_ACCOUNTS]: rpc(
    RPC.AUTH_INACTIVE_ACCOUNTS,
    inactiveAccounts.request,
    inactiveAccounts.response,
  ),
  [RPC.TRANSLATION_ENGINES]: rpc(
    RPC.TRANSLATION_ENGINES,
    z.object({}),
    z.object({ items: z.array(engineInfoSchema) }),
  ),
  [RPC.TRANSLATION_RESOLVE_ENGINE]: rpc(
    RPC.TRANSLATION_RESOLVE_ENGINE,
    resolveEngineRequestSchema,
    engineChoiceSchema,
  ),
  [RPC.TRANSLATION_GLOSSARY_CREATE]: rpc(
    RPC.TRANSLATION_GLOSSARY_CREATE,
    glossaryCreateSchema.extend({ userId: z.string() }),
    glossaryViewSchema,
  ),
  [RPC.TRANSLATION_GLOSSARY_LIST]: rpc(
    RPC.TRANSLATION_GLOSSARY_LIST,
    z.object({ userId: z.string() }),
    z.object({ items: z.array(glossaryViewSchema) }),
  ),
  [RPC.TRANSLATION_GLOSSARY_GET]: rpc(
    RPC.TRANSLATION_GLOSSARY_GET,
    glossaryRef,
    glossaryDetailSchema,
  ),
  [RPC.TRANSLATION_GLOSSARY_DELETE]: rpc(
    RPC.TRANSLATION_GLOSSARY_DELETE,
    glossaryRef,
    z.object({ ok: z.literal(true) }),
  ),
  [RPC.TRANSLATION_GLOSSARY_UPDATE]: rpc(
    RPC.TRANSLATION_GLOSSARY_UPDATE,
    glossaryUpdateFields.extend(glossaryRef.shape).superRefine(checkGlossaryUpdate),
    glossaryViewSchema,
  ),
  [RPC.TRANSLATION_MEMORY_PURGE]: rpc(
    RPC.TRANSLATION_MEMORY_PURGE,
    z.object({ userId: z.string(), glossaryId: z.string().max(64).optional() }),
    z.object({ removed: z.number().int().nonnegative() }),
  ),
  [RPC.TRANSLATION_MEMORY_EXPORT]: rpc(
    RPC.TRANSLATION_MEMORY_EXPORT,
    z.object({ userId: z.string() }),
    z.object({ tmx: z.string().max(TMX_MAX_CHARS) }),
  ),
  [RPC.TRANSLATION_MEMORY_IMPORT]: rpc(
    RPC.TRANSLATION_MEMORY_IMPORT,
    z.object({ userId: z.string(), tmx: z.string().min(1).max(TMX_MAX_CHARS) }),
    z.object({ imported: z.number().int().nonnegative(), skipped: z.number().int().nonnegative() }),
  ),
  [RPC.NOTIFY_WEBHOOKS_CREATE]: rpc(
    RPC.NOTIFY_WEBHOOKS_CREATE,
    webhooks.create.request,
    webhooks.create.response,
  ),
  [RPC.NOTIFY_WEBHOOKS_LIST]: rpc(
    RPC.NOTIFY_WEBHOOKS_LIST,
    webhooks.list.request,
    webhooks.list.response,
  ),
  [RPC.NOTIFY_WEBHOOKS_DELETE]: rpc(
    RPC.NOTIFY_WEBHOOKS_DELETE,
    webhooks.delete.request,
    webhooks.delete.response,
  ),
  [RPC.NOTIFY_WEBHOOK_DELIVERIES]: rpc(
    RPC.NOTIFY_WEBHOOK_DELIVERIES,
    webhooks.deliveries.request,
    webhooks.deliveries.response,
  ),
  [RPC.NOTIFY_WEBHOOK_REDELIVER]: rpc(
    RPC.NOTIFY_WEBHOOK_REDELIVER,
    webhooks.redeliver.request,
    webhooks.redeliver.response,
  ),
  [RPC.NOTIFY_JOB_WEBHOOK]: rpc(
    RPC.NOTIFY_JOB_WEBHOOK,
    webhooks.jobWebhook.request,
    webhooks.jobWebhook.response,
  ),
  [RPC.NOTIFY_SIGNING_SECRET]: rpc(
    RPC.NOTIFY_SIGNING_SECRET,
    webhooks.signingSecret.request,
    webhooks.signingSecret.response,
  ),
} as const;

export type RpcRequest<P extends keyof typeof RPC_CONTRACTS> = z.input<
  (typeof RPC_CONTRACTS)[P]['request']
>;
export type RpcResponse<P extends keyof typeof RPC_CONTRACTS> = z.infer<
  (typeof RPC_CONTRACTS)[P]['response']
>;

/**
 * Access tokens: EdDSA (Ed25519) JWTs signed by auth and verified locally by the
 * gateway with the JWKS from `auth.jwks`. The `typ` header (RFC 9068) keeps any other
 * JWT signed by the same key from passing as an access token.
 */
export const ACCESS_TOKEN = {
  issuer: 'docat-auth',
  audience: 'docat-api',
  type: 'at+jwt',
  algorithm: 'EdDSA',
} as const;

export const accessTokenClaimsSchema = z.object({
  sub: z.string().min(1).max(64),
  role: userViewSchema.shape.role,
  /** The account's plan when the token was issued (a change shows after the next refresh). */
  plan: z.string().max(32).optional(),
  /** The session (refresh-token family) the token was issued for. */
  sid: z.string().max(64).optional(),
  iss: z.literal(ACCESS_TOKEN.issuer),
  aud: z.union([
    z.literal(ACCESS_TOKEN.audience),
    z.array(z.string()).refine((a) => a.includes(ACCESS_TOKEN.audience)),
  ]),
  exp: z.number().int(),
  iat: z.number().int().optional(),
  jti: z.string().optional(),
});
export type AccessTokenClaims = z.infer<typeof accessTokenClaimsSchema>;

/**
 * The opaque cursor of `jobs.list` / `GET /v1/jobs`: the position (creation time, id)
 * of the last job of the previous page, newest first. Ingestion encodes it; the gateway
 * decodes it only to refuse a malformed one before calling.
 */
export interface JobCursor {
  createdAt: string;
  id: string;
}

// The id is a job id (a UUID): a cursor whose id is anything else is refused before a query sees it.
const jobCursorSchema = z.object({
  createdAt: z.iso.datetime(),
  id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i),
});

export function encodeJobCursor(cursor: JobCursor): string {
  return Buffer.from(`${cursor.createdAt}|${cursor.id}`, 'utf8').toString('base64url');
}

export function decodeJobCursor(cursor: string): JobCursor | null {
  if (cursor.length === 0 || cursor.length > 128 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = text.indexOf('|');
  if (bar < 0) return null;
  const parsed = jobCursorSchema.safeParse({
    createdAt: text.slice(0, bar),
    id: text.slice(bar + 1),
  });
  return parsed.success ? parsed.data : null;
}

/**
 * `notify.events`: a job's events after `afterSeq`, oldest first, from the per-job
 * stream the notification service keeps. The caller checks ownership first (jobs.get).
 */
export const notifyEventsContract = rpc(
  RPC.NOTIFY_EVENTS,
  z.object({
    jobId: z.string().max(64),
    afterSeq: z.number().int().nonnegative().default(0),
    limit: z.number().int().min(1).max(1000).default(200),
  }),
  z.object({ events: z.array(jobEventSchema) }),
);
