import { z } from 'zod';
import {
  adminSetPlanSchema,
  adminUserListSchema,
  adminUserViewSchema,
  apiKeyCreateSchema,
  apiKeyViewSchema,
  createdApiKeySchema,
  emailVerifySchema,
  inviteCreateSchema,
  inviteViewSchema,
  passwordResetConfirmSchema,
  sessionViewSchema,
  BROWSER_SESSION,
  ERROR_CODES,
  JOB_STATES,
  dryRunSchema,
  ledgerEntrySchema,
  usageSchema,
  webhookEndpointSchema,
  engineInfoSchema,
  failedQueueJobListSchema,
  QUEUE_NAMES,
  queuesOverviewSchema,
  glossaryCreateSchema,
  glossaryDetailSchema,
  glossaryUpdateSchema,
  glossaryViewSchema,
  jobEventSchema,
  jobListSchema,
  createWebhookEndpointSchema,
  createdWebhookEndpointSchema,
  webhookDeliverySchema,
  webhookPayloadSchema,
  jobViewSchema,
  fidelityReportSchema,
  MAX_UPLOAD_BYTES,
  outputFormatSchema,
  problemSchema,
  RPC,
  RPC_CONTRACTS,
  tokenPairSchema,
  uploadOptionsSchema,
  userViewSchema,
  type ErrorCode,
} from '@docat/contracts';

type JsonSchema = Record<string, unknown>;

interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: 'auth' | 'documents' | 'jobs' | 'translation' | 'meta' | 'admin' | 'webhooks';
  auth: boolean;
  body?: { contentType: 'application/json' | 'multipart/form-data'; schema: string };
  query?: { name: string; required: boolean; schema: JsonSchema; description: string }[];
  headers?: { name: string; description: string }[];
  success: {
    status: number;
    description: string;
    schema?: string;
    contentType?: string;
    headers?: Record<string, string>;
  };
  errors: ErrorCode[];
}

const languageListSchema = z.object({
  items: z.array(z.object({ code: z.string(), name: z.string(), rtl: z.boolean() })),
});
const engineListSchema = z.object({ items: z.array(engineInfoSchema) });
const uploadLimitsSchema = z.object({
  maxUploadBytes: z
    .number()
    .int()
    .meta({ description: 'Largest file an upload may carry, in bytes (MAX_UPLOAD_BYTES)' }),
  maxPages: z.number().int().meta({ description: 'Most pages a document may have (MAX_PAGES)' }),
});
const checkStatusSchema = z.enum(['up', 'down', 'not-used']);
const healthSchema = z.object({
  status: z.enum(['ok', 'unhealthy']),
  checks: z.object({
    database: z.object({ status: checkStatusSchema }),
    redis: z.object({ status: checkStatusSchema }),
    workers: z.object({
      status: checkStatusSchema,
      queues: z
        .record(z.string(), z.number().int().nullable())
        .meta({ description: 'Live workers per queue (null: the registry did not answer)' }),
    }),
    engines: z.object({
      status: checkStatusSchema,
      available: z.array(z.string()),
      unavailable: z.array(z.string()),
    }),
    storage: z.object({ status: checkStatusSchema }),
    ocr: z.object({
      status: checkStatusSchema,
      engine: z.enum(['native', 'tesseract-js']).nullable().meta({
        description:
          'The OCR engine the extraction service reads scanned pages with (null: unknown, or the configured one cannot run)',
      }),
      choice: z
        .enum(['auto', 'native', 'tesseract-js'])
        .optional()
        .meta({ description: 'The OCR_ENGINE setting it was chosen by' }),
    }),
  }),
  timestamp: z.iso.datetime(),
});

const uploadFormSchema = uploadOptionsSchema.extend({
  file: z
    .string()
    .meta({ format: 'binary', description: `The PDF, at most ${MAX_UPLOAD_BYTES} bytes` }),
});

const accountExportSchema = z.object({
  exportedAt: z.iso.datetime(),
  account: userViewSchema,
  jobs: z.array(jobViewSchema),
  /** More jobs exist than one export lists (the newest are included). */
  jobsTruncated: z.boolean(),
  usage: usageSchema,
  ledger: z.array(ledgerEntrySchema),
  webhooks: z.array(webhookEndpointSchema),
  glossaries: z.array(glossaryViewSchema),
});
const accountErasureSchema = z.object({
  erased: z.literal(true),
  jobs: z.number().int(),
  objects: z.number().int(),
  glossaries: z.number().int(),
  memoryEntries: z.number().int(),
  webhooks: z.number().int(),
});

/** Named schemas, each generated from the contracts' zod schema of the same thing. */
const SCHEMAS: Record<string, { schema: z.ZodType; io: 'input' | 'output' }> = {
  Problem: { schema: problemSchema, io: 'output' },
  RegisterRequest: { schema: RPC_CONTRACTS[RPC.AUTH_REGISTER].request, io: 'input' },
  LoginRequest: {
    schema: RPC_CONTRACTS[RPC.AUTH_LOGIN].request.omit({ ip: true, userAgent: true }),
    io: 'input',
  },
  PasswordResetRequest: {
    schema: RPC_CONTRACTS[RPC.AUTH_PASSWORD_RESET_REQUEST].request,
    io: 'input',
  },
  PasswordResetConfirm: { schema: passwordResetConfirmSchema, io: 'input' },
  EmailVerify: { schema: emailVerifySchema, io: 'input' },
  SessionList: { schema: z.object({ items: z.array(sessionViewSchema) }), io: 'output' },
  SessionsRevoked: { schema: RPC_CONTRACTS[RPC.AUTH_SESSIONS_REVOKE_ALL].response, io: 'output' },
  ApiKeyCreate: { schema: apiKeyCreateSchema, io: 'input' },
  ApiKeyCreated: { schema: createdApiKeySchema, io: 'output' },
  ApiKeyList: { schema: z.object({ items: z.array(apiKeyViewSchema) }), io: 'output' },
  AdminUser: { schema: adminUserViewSchema, io: 'output' },
  AdminUserList: { schema: adminUserListSchema, io: 'output' },
  AdminSetPlan: { schema: adminSetPlanSchema, io: 'input' },
  InviteCreate: { schema: inviteCreateSchema, io: 'input' },
  Invite: { schema: inviteViewSchema, io: 'output' },
  Accepted: { schema: z.object({ ok: z.literal(true) }), io: 'output' },
  RefreshRequest: { schema: RPC_CONTRACTS[RPC.AUTH_REFRESH].request, io: 'input' },
  TokenPair: { schema: tokenPairSchema, io: 'output' },
  BrowserAccessToken: { schema: tokenPairSchema.omit({ refreshToken: true }), io: 'output' },
  User: { schema: userViewSchema, io: 'output' },
  UploadForm: { schema: uploadFormSchema, io: 'input' },
  Job: { schema: jobViewSchema, io: 'output' },
  FidelityReport: { schema: fidelityReportSchema, io: 'output' },
  DryRun: { schema: dryRunSchema, io: 'output' },
  Usage: { schema: usageSchema, io: 'output' },
  AccountExport: { schema: accountExportSchema, io: 'output' },
  AccountErasure: { schema: accountErasureSchema, io: 'output' },
  JobList: { schema: jobListSchema, io: 'output' },
  LanguageList: { schema: languageListSchema, io: 'output' },
  UploadLimits: { schema: uploadLimitsSchema, io: 'output' },
  EngineList: { schema: engineListSchema, io: 'output' },
  GlossaryCreate: { schema: glossaryCreateSchema, io: 'input' },
  GlossaryUpdate: { schema: glossaryUpdateSchema, io: 'input' },
  Glossary: { schema: glossaryViewSchema, io: 'output' },
  GlossaryDetail: { schema: glossaryDetailSchema, io: 'output' },
  GlossaryList: { schema: z.object({ items: z.array(glossaryViewSchema) }), io: 'output' },
  MemoryPurged: { schema: RPC_CONTRACTS[RPC.TRANSLATION_MEMORY_PURGE].response, io: 'output' },
  TmxImport: {
    schema: RPC_CONTRACTS[RPC.TRANSLATION_MEMORY_IMPORT].request.omit({ userId: true }),
    io: 'input',
  },
  TmxImported: { schema: RPC_CONTRACTS[RPC.TRANSLATION_MEMORY_IMPORT].response, io: 'output' },
  Health: { schema: healthSchema, io: 'output' },
  QueuesOverview: { schema: queuesOverviewSchema, io: 'output' },
  JobEvent: { schema: jobEventSchema, io: 'output' },
  WebhookEndpointCreate: { schema: createWebhookEndpointSchema, io: 'input' },
  WebhookEndpointCreated: { schema: createdWebhookEndpointSchema, io: 'output' },
  WebhookEndpointList: {
    schema: z.object({ items: z.array(webhookEndpointSchema) }),
    io: 'output',
  },
  WebhookDelivery: { schema: webhookDeliverySchema, io: 'output' },
  WebhookDeliveryList: {
    schema: z.object({ items: z.array(webhookDeliverySchema) }),
    io: 'output',
  },
  WebhookSigningSecret: { schema: z.object({ secret: z.string() }), io: 'output' },
  WebhookPayload: { schema: webhookPayloadSchema, io: 'output' },
  FailedQueueJobList: { schema: failedQueueJobListSchema, io: 'output' },
  QueueJobRetried: { schema: RPC_CONTRACTS[RPC.JOBS_ADMIN_QUEUE_RETRY].response, io: 'output' },
  QueueJobRemoved: { schema: RPC_CONTRACTS[RPC.JOBS_ADMIN_QUEUE_REMOVE].response, io: 'output' },
  JobErased: { schema: RPC_CONTRACTS[RPC.JOBS_DELETE].response, io: 'output' },
};

const jobIdParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
};
const queueNameParameter = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string', enum: [...QUEUE_NAMES] },
};

export const OPERATIONS: Operation[] = [
  {
    method: 'post',
    path: '/v1/auth/register',
    operationId: 'register',
    tag: 'auth',
    auth: false,
    summary: 'Create an account',
    body: { contentType: 'application/json', schema: 'RegisterRequest' },
    description:
      'REGISTRATION decides who may: `open` (anyone), `invite` (with an `inviteCode` from an admin), `closed` (nobody). The answer is 202 whether the address is new or already has an account, in comparable time, so registration does not tell which addresses exist: a new address gets a verification link (free credits wait for it), the owner of a taken one a mail saying someone tried to register. Sign in to continue.',
    success: {
      status: 202,
      description: 'Accepted: a mail is on its way to the address',
      schema: 'Accepted',
    },
    errors: ['VALIDATION_FAILED', 'REGISTRATION_CLOSED', 'INVITE_INVALID'],
  },
  {
    method: 'post',
    path: '/v1/auth/login',
    operationId: 'login',
    tag: 'auth',
    auth: false,
    summary: 'Exchange email and password for tokens',
    body: { contentType: 'application/json', schema: 'LoginRequest' },
    success: {
      status: 200,
      description: 'An access token (EdDSA JWT) and a refresh token',
      schema: 'TokenPair',
    },
    errors: ['VALIDATION_FAILED', 'INVALID_CREDENTIALS', 'ACCOUNT_DISABLED', 'ACCOUNT_LOCKED'],
  },
  {
    method: 'post',
    path: '/v1/auth/refresh',
    operationId: 'refresh',
    tag: 'auth',
    auth: false,
    summary: 'Exchange a refresh token for a new pair',
    description:
      'Each refresh token works once. Presenting a used one again ends the whole session.',
    body: { contentType: 'application/json', schema: 'RefreshRequest' },
    success: { status: 200, description: 'A new token pair', schema: 'TokenPair' },
    errors: ['VALIDATION_FAILED', 'TOKEN_INVALID'],
  },
  {
    method: 'post',
    path: '/v1/auth/logout',
    operationId: 'logout',
    tag: 'auth',
    auth: false,
    summary: 'End the session a refresh token belongs to',
    body: { contentType: 'application/json', schema: 'RefreshRequest' },
    success: { status: 204, description: 'The session is ended' },
    errors: ['VALIDATION_FAILED'],
  },
  {
    method: 'post',
    path: '/v1/auth/browser/login',
    operationId: 'browserLogin',
    tag: 'auth',
    auth: false,
    summary:
      'Sign in from the web app: the refresh token is set as an HttpOnly cookie, the access token answered',
    description:
      `Sets \`${BROWSER_SESSION.refreshCookie}\` (HttpOnly, Secure, SameSite=Strict, Path=${BROWSER_SESSION.path}) and ` +
      `\`${BROWSER_SESSION.csrfCookie}\` (readable by the page, Path=/). Programs use \`/v1/auth/login\` instead.`,
    body: { contentType: 'application/json', schema: 'LoginRequest' },
    success: {
      status: 200,
      description: 'The access token (the refresh token is only in the cookie)',
      schema: 'BrowserAccessToken',
    },
    errors: ['VALIDATION_FAILED', 'INVALID_CREDENTIALS', 'ACCOUNT_DISABLED', 'ACCOUNT_LOCKED'],
  },
  {
    method: 'post',
    path: '/v1/auth/browser/refresh',
    operationId: 'browserRefresh',
    tag: 'auth',
    auth: false,
    summary: 'The cookie variant of refresh: a new access token, and both cookies rotated',
    description:
      `Needs the refresh cookie and, against cross-site request forgery, the \`${BROWSER_SESSION.csrfCookie}\` cookie's value in the ` +
      `\`${BROWSER_SESSION.csrfHeader}\` header; a browser's \`Sec-Fetch-Site\` must be \`same-origin\`. A refused refresh token clears the cookies.`,
    headers: [
      {
        name: BROWSER_SESSION.csrfHeader,
        description: `The value of the ${BROWSER_SESSION.csrfCookie} cookie`,
      },
    ],
    success: { status: 200, description: 'A new access token', schema: 'BrowserAccessToken' },
    errors: ['CSRF_FAILED', 'UNAUTHENTICATED', 'TOKEN_INVALID'],
  },
  {
    method: 'post',
    path: '/v1/auth/browser/logout',
    operationId: 'browserLogout',
    tag: 'auth',
    auth: false,
    summary: "Sign the web app out: ends the cookie's session and clears both cookies",
    headers: [
      {
        name: BROWSER_SESSION.csrfHeader,
        description: `The value of the ${BROWSER_SESSION.csrfCookie} cookie`,
      },
    ],
    success: { status: 204, description: 'Signed out' },
    errors: ['CSRF_FAILED'],
  },
  {
    method: 'post',
    path: '/v1/auth/password-reset',
    operationId: 'requestPasswordReset',
    tag: 'auth',
    auth: false,
    summary: 'Mail a password reset link (single use, valid PASSWORD_RESET_TTL)',
    description:
      'Answers 202 for any address, with or without an account, so the answer reveals nothing.',
    body: { contentType: 'application/json', schema: 'PasswordResetRequest' },
    success: {
      status: 202,
      description: 'If the address has an account, a link is on its way',
      schema: 'Accepted',
    },
    errors: ['VALIDATION_FAILED', 'RATE_LIMITED'],
  },
  {
    method: 'post',
    path: '/v1/auth/password-reset/confirm',
    operationId: 'confirmPasswordReset',
    tag: 'auth',
    auth: false,
    summary: 'Set a new password with the token from the reset link',
    description: 'Ends every session of the account and refuses every access token issued before.',
    body: { contentType: 'application/json', schema: 'PasswordResetConfirm' },
    success: { status: 204, description: 'The password is changed' },
    errors: ['VALIDATION_FAILED', 'TOKEN_INVALID'],
  },
  {
    method: 'get',
    path: '/v1/auth/verify-email',
    operationId: 'verifyEmailLink',
    tag: 'auth',
    auth: false,
    summary: 'The link in the verification mail: confirms the address',
    query: [
      {
        name: 'token',
        required: true,
        schema: { type: 'string' },
        description: 'The token from the link',
      },
    ],
    success: { status: 200, description: 'The account, now verified', schema: 'User' },
    errors: ['VALIDATION_FAILED', 'TOKEN_INVALID'],
  },
  {
    method: 'post',
    path: '/v1/auth/verify-email',
    operationId: 'verifyEmail',
    tag: 'auth',
    auth: false,
    summary: 'Confirm the address with the token from the verification mail',
    body: { contentType: 'application/json', schema: 'EmailVerify' },
    success: { status: 200, description: 'The account, now verified', schema: 'User' },
    errors: ['VALIDATION_FAILED', 'TOKEN_INVALID'],
  },
  {
    method: 'post',
    path: '/v1/auth/verify-email/resend',
    operationId: 'resendVerification',
    tag: 'auth',
    auth: true,
    summary: 'Mail a new verification link (earlier links stop working)',
    success: {
      status: 202,
      description: 'Sent, unless the address is already verified',
      schema: 'Accepted',
    },
    errors: ['ACCOUNT_DISABLED'],
  },
  {
    method: 'get',
    path: '/v1/me',
    operationId: 'me',
    tag: 'auth',
    auth: true,
    summary: 'The account the token or API key belongs to',
    success: { status: 200, description: 'The account', schema: 'User' },
    errors: ['ACCOUNT_DISABLED'],
  },
  {
    method: 'get',
    path: '/v1/sessions',
    operationId: 'listSessions',
    tag: 'auth',
    auth: true,
    summary: 'Your signed-in sessions (one per login), the current one marked',
    success: {
      status: 200,
      description: 'Sessions, most recently used first',
      schema: 'SessionList',
    },
    errors: [],
  },
  {
    method: 'delete',
    path: '/v1/sessions/{id}',
    operationId: 'revokeSession',
    tag: 'auth',
    auth: true,
    summary: 'Sign one session out: its refresh token and its access tokens stop working at once',
    description:
      "Every gateway refuses the session's access tokens from now on. Another user's session answers 404.",
    success: { status: 204, description: 'Signed out' },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  },
  {
    method: 'delete',
    path: '/v1/sessions',
    operationId: 'revokeAllSessions',
    tag: 'auth',
    auth: true,
    summary: 'Sign out everywhere, this session included',
    description:
      'Every refresh token stops working, and every gateway refuses the access tokens issued until now.',
    success: { status: 200, description: 'How many sessions were live', schema: 'SessionsRevoked' },
    errors: [],
  },
  {
    method: 'post',
    path: '/v1/api-keys',
    operationId: 'createApiKey',
    tag: 'auth',
    auth: true,
    summary: 'Create an API key (`dk_...`); the key is answered this once',
    description:
      'Use it as `Authorization: Bearer dk_...` or `X-API-Key: dk_...`; it acts as your account. Only its SHA-256 is stored.',
    body: { contentType: 'application/json', schema: 'ApiKeyCreate' },
    success: {
      status: 201,
      description: 'The key, with `key` (never shown again)',
      schema: 'ApiKeyCreated',
    },
    errors: ['VALIDATION_FAILED', 'ACCOUNT_DISABLED'],
  },
  {
    method: 'get',
    path: '/v1/api-keys',
    operationId: 'listApiKeys',
    tag: 'auth',
    auth: true,
    summary: 'Your API keys, by prefix (the keys themselves are never shown again)',
    success: { status: 200, description: 'Keys not revoked, newest first', schema: 'ApiKeyList' },
    errors: [],
  },
  {
    method: 'delete',
    path: '/v1/api-keys/{id}',
    operationId: 'revokeApiKey',
    tag: 'auth',
    auth: true,
    summary: 'Revoke an API key: refused by every gateway within 5 seconds',
    success: { status: 204, description: 'Revoked' },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  },
  {
    method: 'get',
    path: '/v1/admin/users',
    operationId: 'adminListUsers',
    tag: 'admin',
    auth: true,
    summary: 'Accounts, newest first, optionally filtered by email (admins only)',
    query: [
      {
        name: 'email',
        required: false,
        schema: { type: 'string' },
        description: 'Part of the email, any case',
      },
      {
        name: 'cursor',
        required: false,
        schema: { type: 'string' },
        description: '`nextCursor` of the previous page',
      },
      {
        name: 'limit',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
        description: 'Page size',
      },
    ],
    success: { status: 200, description: 'One page of accounts', schema: 'AdminUserList' },
    errors: ['FORBIDDEN', 'VALIDATION_FAILED'],
  },
  {
    method: 'post',
    path: '/v1/admin/users/{id}/disable',
    operationId: 'adminDisableUser',
    tag: 'admin',
    auth: true,
    summary:
      'Disable an account: its sessions end, its API keys are revoked, its access tokens are refused at once (admins only)',
    success: { status: 200, description: 'The account', schema: 'AdminUser' },
    errors: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED'],
  },
  {
    method: 'post',
    path: '/v1/admin/users/{id}/enable',
    operationId: 'adminEnableUser',
    tag: 'admin',
    auth: true,
    summary: 'Enable a disabled account again; it signs in anew (admins only)',
    success: { status: 200, description: 'The account', schema: 'AdminUser' },
    errors: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED'],
  },
  {
    method: 'post',
    path: '/v1/admin/users/{id}/plan',
    operationId: 'adminSetPlan',
    tag: 'admin',
    auth: true,
    summary: "Change an account's plan (admins only)",
    body: { contentType: 'application/json', schema: 'AdminSetPlan' },
    success: { status: 200, description: 'The account', schema: 'AdminUser' },
    errors: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED'],
  },
  {
    method: 'post',
    path: '/v1/admin/invites',
    operationId: 'adminCreateInvite',
    tag: 'admin',
    auth: true,
    summary: 'Create an invitation code for REGISTRATION=invite, answered once (admins only)',
    body: { contentType: 'application/json', schema: 'InviteCreate' },
    success: { status: 201, description: 'The code, single use', schema: 'Invite' },
    errors: ['FORBIDDEN', 'VALIDATION_FAILED'],
  },
  {
    method: 'post',
    path: '/v1/documents',
    operationId: 'uploadDocument',
    tag: 'documents',
    auth: true,
    summary: 'Upload a PDF and start a job',
    description:
      `Multipart form: the PDF in the \`file\` part and the options as fields, before or after it. ` +
      `The file streams to storage as it arrives; it must start with \`%PDF-\` (a BOM or white-space within the first 1024 bytes is tolerated) ` +
      `and may have at most ${MAX_UPLOAD_BYTES} bytes. A request whose Content-Length alone exceeds the limit is refused unread. ` +
      `The 202 answers as soon as the file is stored and a cheap check passed: the signature, and the page count its page tree ` +
      `declares, read from the bytes as they stream in (422 PDF_NO_PAGES, or PDF_TOO_MANY_PAGES above MAX_PAGES), from which the selected pages are reserved from the ` +
      `account's credits at the text-page rate; 402 INSUFFICIENT_CREDITS when that does not fit, before any work. The full check ` +
      `(the PDF sandbox opening the file) is the job's first step: a file it refuses fails the job with its PDF_* code ` +
      `(\`error.code\` of the job, and a \`job.failed\` event) and the reservation is released, so nothing is charged; pages that ` +
      `need OCR are charged at the OCR rate when the job settles. A file whose page tree cannot be read that cheaply (an encrypted ` +
      `file with object streams, a damaged cross-reference table) is probed in the sandbox before the 202, as a dry run is. ` +
      `With \`dryRun=true\` nothing is created and the answer waits for the full probe: 200 with the \`DryRun\` ` +
      `estimate (pages, scanned pages, estimated credits, available credits), and the file is not kept. ` +
      `A \`password\` field is sealed with the platform key as soon as the form is read; only the steps that open the PDF unseal it. ` +
      `Without an \`engine\` field the job's engine is DEFAULT_ENGINE, else the first configured engine of TRANSLATION_ENGINES, ` +
      `else the first configured engine, else \`pseudo\` (with a \`pseudo_engine\` warning); the job's \`engine\` says which. ` +
      `An engine without configuration is 503 ENGINE_UNAVAILABLE, and a language the engine does not list (\`GET /v1/engines\`) ` +
      `is 422 UNSUPPORTED_LANGUAGE, both before the file is kept. So is 502 ENGINE_AUTH when every engine of the job's chain ` +
      `refuses the key this deployment has for it (one cheap authenticated call per engine, reused for a minute). ` +
      `The limits (MAX_UPLOAD_BYTES, MAX_PAGES) are public at \`GET /v1/limits\`.`,
    body: { contentType: 'multipart/form-data', schema: 'UploadForm' },
    query: [
      {
        name: 'dryRun',
        required: false,
        schema: { type: 'boolean', default: false },
        description: 'Only estimate the credits (200 with a DryRun body)',
      },
    ],
    headers: [
      {
        name: 'Idempotency-Key',
        description:
          'Repeat a request safely: the same key with the same file and options answers the same job; with another file or options, 422 IDEMPOTENCY_KEY_REUSED',
      },
    ],
    success: {
      status: 202,
      description: 'The job, queued',
      schema: 'Job',
      headers: { Location: 'The job URL' },
    },
    errors: [
      'VALIDATION_FAILED',
      'EMPTY_FILE',
      'UNSUPPORTED_MEDIA_TYPE',
      'FILE_TOO_LARGE',
      'IDEMPOTENCY_KEY_REUSED',
      'INSUFFICIENT_CREDITS',
      'UNSUPPORTED_LANGUAGE',
      'ENGINE_UNAVAILABLE',
      'ENGINE_AUTH',
      'PDF_NO_PAGES',
      'PDF_TOO_MANY_PAGES',
    ],
  },
  {
    method: 'get',
    path: '/v1/usage',
    operationId: 'usage',
    tag: 'auth',
    auth: true,
    summary:
      'Credits of the current period: plan, granted, used, reserved, available, per-kind breakdown',
    success: { status: 200, description: 'The usage', schema: 'Usage' },
    errors: [],
  },
  {
    method: 'get',
    path: '/v1/me/export',
    operationId: 'exportMyData',
    tag: 'auth',
    auth: true,
    summary:
      'Everything the account holds, as JSON: account, jobs, usage and ledger, webhooks, glossaries',
    success: { status: 200, description: 'The export (an attachment)', schema: 'AccountExport' },
    errors: [],
  },
  {
    method: 'delete',
    path: '/v1/me',
    operationId: 'deleteMe',
    tag: 'auth',
    auth: true,
    summary:
      'Erase the account: jobs, uploads and results, glossaries, translation memory, webhooks, sessions and keys',
    description:
      'Billing records are kept with the account replaced by an anonymous reference. The erasure is audited.',
    success: { status: 200, description: 'What was erased', schema: 'AccountErasure' },
    errors: [],
  },
  {
    method: 'get',
    path: '/v1/jobs',
    operationId: 'listJobs',
    tag: 'jobs',
    auth: true,
    summary: 'Your jobs, newest first',
    query: [
      {
        name: 'cursor',
        required: false,
        schema: { type: 'string' },
        description: '`nextCursor` of the previous page',
      },
      {
        name: 'limit',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        description: 'Page size',
      },
      {
        name: 'state',
        required: false,
        schema: { type: 'string', enum: [...JOB_STATES] },
        description: 'Only jobs in this state',
      },
      {
        name: 'q',
        required: false,
        schema: { type: 'string', maxLength: 200 },
        description: 'Only jobs whose file name contains this, in any case',
      },
    ],
    success: { status: 200, description: 'One page of jobs', schema: 'JobList' },
    errors: ['VALIDATION_FAILED'],
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}',
    operationId: 'getJob',
    tag: 'jobs',
    auth: true,
    summary: 'A job: state, stage, progress, pages, error',
    description:
      "The status is at most 1 second old: a gateway keeps a job's status for its owner for at most a second, and drops it as soon " +
      'as the job changes (a new state, progress, result or error; a cancel; an erase). A client woken by a job event ' +
      '(`GET /v1/jobs/{id}/events`, a webhook) reads the state the event announced. Polling more often than once a second ' +
      'is answered cheaply, but the event stream tells of each change as it happens.',
    success: { status: 200, description: 'The job', schema: 'Job' },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'delete',
    path: '/v1/jobs/{id}',
    operationId: 'cancelJob',
    tag: 'jobs',
    auth: true,
    summary: 'Cancel a job; its workers stop within seconds',
    success: { status: 200, description: 'The job, cancelled', schema: 'Job' },
    errors: ['NOT_FOUND', 'JOB_ALREADY_FINISHED'],
  },
  {
    method: 'post',
    path: '/v1/jobs/{id}/erase',
    operationId: 'eraseJob',
    tag: 'jobs',
    auth: true,
    summary: 'Delete a finished job for good: its record, results and upload',
    description:
      'Only a completed, failed or cancelled job (cancel a running one first: 409 JOB_NOT_FINISHED). The job is gone from ' +
      'the history and every route answers 404 for it. Results that another of your jobs was answered from (the result ' +
      "cache) are kept until that job's own results expire. Charges stay in your usage. `objects` counts the stored files deleted now.",
    success: { status: 200, description: 'The job is deleted', schema: 'JobErased' },
    errors: ['NOT_FOUND', 'JOB_NOT_FINISHED'],
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}/result',
    operationId: 'getJobResult',
    tag: 'jobs',
    auth: true,
    summary: 'Download a result',
    description:
      'Streamed with ETag (If-None-Match answers 304), Cache-Control: private and single byte ranges (206, 416).',
    query: [
      {
        name: 'format',
        required: true,
        schema: { type: 'string', enum: outputFormatSchema.options },
        description: 'Which output',
      },
    ],
    headers: [
      { name: 'Range', description: 'One byte range, e.g. bytes=0-1023' },
      { name: 'If-None-Match', description: 'The ETag you hold' },
    ],
    success: {
      status: 200,
      description: 'The result file',
      contentType: 'application/octet-stream',
    },
    errors: [
      'NOT_FOUND',
      'JOB_NOT_FINISHED',
      'RESULT_NOT_AVAILABLE',
      'RESULT_EXPIRED',
      'VALIDATION_FAILED',
    ],
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}/report',
    operationId: 'getJobReport',
    tag: 'jobs',
    auth: true,
    summary:
      'The fidelity report: what of the document is not translated, or not set as it should be',
    description:
      'Made when the job is rendered: the translated PDF is read back and compared with the plan (source layout and translations). ' +
      'Lists segments left untranslated (page, box, reason), blocks shrunk below 80% of their source size or overflowing their box, ' +
      'new text drawn over kept text or figures, missing and `.notdef` glyphs, the fonts the translation was set in instead of the ' +
      "source's, and the coverage (share of prose words translated) per page and for the document. Jobs without a PDF output compare " +
      "the translated text instead (`measuredOn: text`). The job view's `fidelity` holds the summary. ETag and If-None-Match (304). " +
      '409 REPORT_NOT_READY while the job runs; 404 REPORT_NOT_AVAILABLE for a failed or cancelled job, or one rendered before reports existed.',
    headers: [{ name: 'If-None-Match', description: 'The ETag you hold' }],
    success: { status: 200, description: 'The report', schema: 'FidelityReport' },
    errors: [
      'NOT_FOUND',
      'REPORT_NOT_READY',
      'REPORT_NOT_AVAILABLE',
      'RESULT_EXPIRED',
      'VALIDATION_FAILED',
    ],
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}/source',
    operationId: 'getJobSource',
    tag: 'jobs',
    auth: true,
    summary: 'Download the uploaded PDF, while uploads are kept (a day by default)',
    description:
      'Served like a result (ETag, Range). The web viewer shows it beside the translation. 410 RESULT_EXPIRED once the upload was deleted.',
    headers: [
      { name: 'Range', description: 'One byte range, e.g. bytes=0-1023' },
      { name: 'If-None-Match', description: 'The ETag you hold' },
    ],
    success: { status: 200, description: 'The uploaded PDF', contentType: 'application/pdf' },
    errors: ['NOT_FOUND', 'RESULT_EXPIRED'],
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}/events',
    operationId: 'jobEvents',
    tag: 'jobs',
    auth: true,
    summary: 'Follow a job live: its events as Server-Sent Events',
    description:
      'A `text/event-stream`. Each message has `id:` the event seq (increasing by one per job), `event:` the type ' +
      '(`state`, `progress`, `warning`, `completed`, `failed`, `cancelled`) and `data:` one JobEvent as JSON. ' +
      'What the job already emitted is replayed first, then events follow live; the stream ends after the terminal ' +
      'event (at once for a finished job). Resume with `Last-Event-ID` (EventSource sends it on reconnect) or ' +
      '`?lastEventId=`: the stream restarts exactly after that event. `: heartbeat` comment lines keep proxies from ' +
      'closing an idle stream; `retry:` tells browsers to reconnect after 3 s. Progress carries per stage ' +
      '(extract: pages, translate: segments, render: pages) `done`, `total` and `etaSeconds`; see docs/events.md.',
    query: [
      {
        name: 'lastEventId',
        required: false,
        schema: { type: 'string', pattern: '^[0-9]{1,15}$' },
        description: 'Resume after this event id (when the header cannot be set)',
      },
    ],
    headers: [{ name: 'Last-Event-ID', description: 'Resume after this event id' }],
    success: {
      status: 200,
      description: 'The event stream; each `data:` line is a JobEvent',
      contentType: 'text/event-stream',
      schema: 'JobEvent',
    },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  },
  {
    method: 'post',
    path: '/v1/webhooks',
    operationId: 'createWebhook',
    tag: 'webhooks',
    auth: true,
    summary: 'Register a webhook endpoint for the account; the signing secret is shown once',
    description:
      'The URL must not resolve to a loopback, private, link-local or metadata address (422 WEBHOOK_URL_FORBIDDEN) unless its host is on WEBHOOK_ALLOWED_HOSTS. No `events`: all of them. See docs/webhooks.md.',
    body: { contentType: 'application/json', schema: 'WebhookEndpointCreate' },
    success: {
      status: 201,
      description: 'The endpoint with its `secret` (never shown again)',
      schema: 'WebhookEndpointCreated',
    },
    errors: ['VALIDATION_FAILED', 'WEBHOOK_URL_FORBIDDEN'],
  },
  {
    method: 'get',
    path: '/v1/webhooks',
    operationId: 'listWebhooks',
    tag: 'webhooks',
    auth: true,
    summary: "The account's webhook endpoints (without secrets)",
    success: { status: 200, description: 'The endpoints', schema: 'WebhookEndpointList' },
    errors: [],
  },
  {
    method: 'post',
    path: '/v1/webhooks/signing-secret',
    operationId: 'createWebhookSigningSecret',
    tag: 'webhooks',
    auth: true,
    summary: 'Create or replace the secret that signs per-job webhooks (`webhookUrl`); shown once',
    success: { status: 201, description: 'The new secret', schema: 'WebhookSigningSecret' },
    errors: [],
  },
  {
    method: 'delete',
    path: '/v1/webhooks/{id}',
    operationId: 'deleteWebhook',
    tag: 'webhooks',
    auth: true,
    summary: 'Delete an endpoint; its pending deliveries stop',
    success: { status: 204, description: 'Deleted' },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'get',
    path: '/v1/webhooks/{id}/deliveries',
    operationId: 'listWebhookDeliveries',
    tag: 'webhooks',
    auth: true,
    summary: "An endpoint's delivery log, newest first",
    query: [
      {
        name: 'limit',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
        description: 'How many',
      },
    ],
    success: {
      status: 200,
      description: 'Deliveries with state, attempts, last status and error',
      schema: 'WebhookDeliveryList',
    },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  },
  {
    method: 'post',
    path: '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
    operationId: 'redeliverWebhook',
    tag: 'webhooks',
    auth: true,
    summary: 'Send a delivery again, whatever its state',
    success: { status: 202, description: 'The delivery, queued again', schema: 'WebhookDelivery' },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'get',
    path: '/v1/languages',
    operationId: 'languages',
    tag: 'meta',
    auth: false,
    summary: 'Languages Docat translates from and to',
    success: { status: 200, description: 'Languages', schema: 'LanguageList' },
    errors: [],
  },
  {
    method: 'get',
    path: '/v1/limits',
    operationId: 'limits',
    tag: 'meta',
    auth: false,
    summary:
      "This deployment's limits per upload: the largest file in bytes and the most pages a document may have",
    success: { status: 200, description: 'Upload limits', schema: 'UploadLimits' },
    errors: [],
  },
  {
    method: 'get',
    path: '/v1/engines',
    operationId: 'engines',
    tag: 'meta',
    auth: false,
    summary:
      'Configured translation engines with their languages and health; `pseudo` is an offline pseudo-localization, not a translation',
    success: { status: 200, description: 'Engines', schema: 'EngineList' },
    errors: [],
  },
  {
    method: 'post',
    path: '/v1/glossaries',
    operationId: 'createGlossary',
    tag: 'translation',
    auth: true,
    summary: 'Create a glossary from CSV (`term,translation` rows) for one language pair',
    body: { contentType: 'application/json', schema: 'GlossaryCreate' },
    success: { status: 201, description: 'The glossary', schema: 'Glossary' },
    errors: ['VALIDATION_FAILED', 'UNSUPPORTED_LANGUAGE'],
  },
  {
    method: 'get',
    path: '/v1/glossaries',
    operationId: 'listGlossaries',
    tag: 'translation',
    auth: true,
    summary: 'Your glossaries, newest first',
    success: { status: 200, description: 'Glossaries', schema: 'GlossaryList' },
    errors: [],
  },
  {
    method: 'get',
    path: '/v1/glossaries/{id}',
    operationId: 'getGlossary',
    tag: 'translation',
    auth: true,
    summary: "One glossary with its entries (another user's answers 404)",
    success: { status: 200, description: 'The glossary', schema: 'GlossaryDetail' },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'patch',
    path: '/v1/glossaries/{id}',
    operationId: 'updateGlossary',
    tag: 'translation',
    auth: true,
    summary:
      "Change a glossary's name, languages or terms (`csv` re-imports them, `entries` sets the edited list); new content drops the translation memory made with the old, and a running job uses the glossary as it is when each chunk is translated",
    body: { contentType: 'application/json', schema: 'GlossaryUpdate' },
    success: { status: 200, description: 'The glossary', schema: 'Glossary' },
    errors: ['VALIDATION_FAILED', 'UNSUPPORTED_LANGUAGE', 'NOT_FOUND'],
  },
  {
    method: 'delete',
    path: '/v1/glossaries/{id}',
    operationId: 'deleteGlossary',
    tag: 'translation',
    auth: true,
    summary: 'Delete a glossary and the translation memory made with it',
    success: { status: 204, description: 'Deleted' },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'delete',
    path: '/v1/memory',
    operationId: 'purgeMemory',
    tag: 'translation',
    auth: true,
    summary: 'Erase your translation memory, or only what one glossary made (`?glossaryId=`)',
    success: { status: 200, description: 'Entries removed', schema: 'MemoryPurged' },
    errors: ['VALIDATION_FAILED'],
  },
  {
    method: 'get',
    path: '/v1/memory/tmx',
    operationId: 'exportMemory',
    tag: 'translation',
    auth: true,
    summary: 'Your translation memory as TMX 1.4',
    success: { status: 200, description: 'TMX document', contentType: 'application/x-tmx+xml' },
    errors: ['PAYLOAD_TOO_LARGE'],
  },
  {
    method: 'post',
    path: '/v1/memory/tmx',
    operationId: 'importMemory',
    tag: 'translation',
    auth: true,
    summary: 'Import TMX (e.g. corrected translations) into your translation memory',
    body: { contentType: 'application/json', schema: 'TmxImport' },
    success: { status: 200, description: 'Units imported and skipped', schema: 'TmxImported' },
    errors: ['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE'],
  },
  {
    method: 'get',
    path: '/health',
    operationId: 'health',
    tag: 'meta',
    auth: false,
    summary:
      'Aggregate health: database, Redis, workers per queue, engines, storage, OCR engine (results cached for 2 s)',
    success: {
      status: 200,
      description: 'Healthy (503 with the same body when a check is down)',
      schema: 'Health',
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/v1/admin/queues',
    operationId: 'adminQueues',
    tag: 'admin',
    auth: true,
    summary:
      'Every durable queue: waiting, active, delayed, failed, oldest waiting age, workers, and jobs finished in the last minute and hour (admins only)',
    success: { status: 200, description: 'Queue statistics', schema: 'QueuesOverview' },
    errors: ['FORBIDDEN'],
  },
  {
    method: 'get',
    path: '/v1/admin/queues/{name}/failed',
    operationId: 'adminQueueFailed',
    tag: 'admin',
    auth: true,
    summary: 'Jobs of a queue that failed for good, most recent first (admins only)',
    query: [
      {
        name: 'limit',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        description: 'Page size',
      },
      {
        name: 'offset',
        required: false,
        schema: { type: 'integer', minimum: 0, default: 0 },
        description: 'Jobs to skip',
      },
    ],
    success: {
      status: 200,
      description: 'One page of failed jobs and their total',
      schema: 'FailedQueueJobList',
    },
    errors: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED'],
  },
  {
    method: 'post',
    path: '/v1/admin/queues/{name}/failed/{id}/retry',
    operationId: 'adminQueueRetry',
    tag: 'admin',
    auth: true,
    summary: 'Put a failed queue job back in its queue (admins only)',
    success: { status: 202, description: 'The job waits to run again', schema: 'QueueJobRetried' },
    errors: ['FORBIDDEN', 'NOT_FOUND', 'QUEUE_JOB_NOT_FAILED'],
  },
  {
    method: 'post',
    path: '/v1/admin/queues/{name}/failed/{id}/remove',
    operationId: 'adminQueueRemove',
    tag: 'admin',
    auth: true,
    summary: 'Delete a failed queue job for good (admins only)',
    success: {
      status: 200,
      description: 'The job is removed and will not run again',
      schema: 'QueueJobRemoved',
    },
    errors: ['FORBIDDEN', 'NOT_FOUND', 'QUEUE_JOB_NOT_FAILED'],
  },
];

/** Errors any operation can answer, besides its own. */
const COMMON_ERRORS: ErrorCode[] = ['INTERNAL', 'SERVICE_UNAVAILABLE', 'DEADLINE_EXCEEDED'];
const AUTH_ERRORS: ErrorCode[] = ['UNAUTHENTICATED', 'TOKEN_INVALID'];
/** Every `/v1` route counts toward `api_general`; some also toward their own limit. */
const RATE_LIMIT_HEADERS: Record<string, string> = {
  'RateLimit-Limit':
    'Requests allowed in the window of the tightest limit this request counted toward',
  'RateLimit-Remaining': 'Requests left in that window',
  'RateLimit-Reset': 'Seconds until a request is allowed again in that window',
  'RateLimit-Policy': 'Each limit as `<limit>;w=<window seconds>`',
};

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const generated = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as JsonSchema;
  delete generated.$schema;
  return generated;
}

function ref(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

function errorResponses(codes: ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    responses[String(status)] = {
      description: list.map((code) => `\`${code}\`: ${ERROR_CODES[code].title}`).join('; '),
      content: { 'application/problem+json': { schema: ref('Problem') } },
    };
  }
  return responses;
}

/** The OpenAPI 3.1 document of the public API, built from the contracts at start. */
export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const schemas: Record<string, JsonSchema> = {};
  for (const [name, { schema, io }] of Object.entries(SCHEMAS))
    schemas[name] = jsonSchemaOf(schema, io);

  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters: unknown[] = [];
    if (op.path.includes('{name}')) parameters.push(queueNameParameter);
    if (op.path.includes('{id}')) parameters.push(jobIdParameter);
    if (op.path.includes('{deliveryId}'))
      parameters.push({ ...jobIdParameter, name: 'deliveryId' });
    for (const q of op.query ?? [])
      parameters.push({
        name: q.name,
        in: 'query',
        required: q.required,
        schema: q.schema,
        description: q.description,
      });
    for (const h of op.headers ?? [])
      parameters.push({
        name: h.name,
        in: 'header',
        required: false,
        schema: { type: 'string' },
        description: h.description,
      });
    parameters.push({
      name: 'X-Request-Id',
      in: 'header',
      required: false,
      schema: { type: 'string' },
      description: 'Echoed back; made up when absent',
    });

    const success: Record<string, unknown> = { description: op.success.description };
    if (op.success.schema)
      success.content = { 'application/json': { schema: ref(op.success.schema) } };
    if (op.success.contentType)
      success.content = {
        [op.success.contentType]: {
          schema:
            op.success.schema && op.success.contentType === 'text/event-stream'
              ? {
                  type: 'string',
                  description: 'Server-Sent Events; each `data:` line is one JobEvent',
                  contentSchema: ref(op.success.schema),
                }
              : { type: 'string', format: 'binary' },
        },
      };
    const limited = op.path.startsWith('/v1/');
    const headers = { ...op.success.headers, ...(limited ? RATE_LIMIT_HEADERS : {}) };
    if (Object.keys(headers).length > 0) {
      success.headers = Object.fromEntries(
        Object.entries(headers).map(([name, description]) => [
          name,
          { description, schema: { type: 'string' } },
        ]),
      );
    }
    const codes = [
      ...new Set([
        ...op.errors,
        ...(op.auth ? AUTH_ERRORS : []),
        ...(limited ? (['RATE_LIMITED'] as ErrorCode[]) : []),
        ...COMMON_ERRORS,
      ]),
    ];
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      ...(op.auth ? { security: [{ bearer: [] }, { apiKey: [] }] } : { security: [] }),
      parameters,
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: { [op.body.contentType]: { schema: ref(op.body.schema) } },
            },
          }
        : {}),
      responses: { [String(op.success.status)]: success, ...errorResponses(codes) },
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Docat API',
      version,
      description:
        'Translate and extract PDFs. Every error is RFC 9457 problem+json with a stable `code`.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'auth', description: 'Accounts and tokens' },
      { name: 'documents', description: 'Uploads' },
      { name: 'jobs', description: 'Jobs and their results' },
      { name: 'translation', description: 'Glossaries and translation memory' },
      { name: 'meta', description: 'Languages, engines, health' },
      { name: 'admin', description: 'Operations (admins only)' },
      { name: 'webhooks', description: 'Signed notifications of job ends' },
    ],
    paths,
    webhooks: {
      jobEnded: {
        post: {
          summary: 'A job ended (job.completed, job.failed, job.cancelled)',
          description:
            "Sent to a job's `webhookUrl` and to each subscribed account endpoint, at least once (the same `id` on every retry). " +
            'Verify `Docat-Signature` before trusting the body: `v1=` + hex HMAC-SHA256, keyed with the endpoint secret, of ' +
            '`<Docat-Timestamp>.<raw body>`; refuse timestamps more than 5 minutes off. Answer 2xx within 10 s; anything else ' +
            'is retried with exponential backoff for about a day, then dead-lettered. See docs/webhooks.md.',
          parameters: [
            {
              name: 'Docat-Timestamp',
              in: 'header',
              required: true,
              schema: { type: 'string', pattern: '^[0-9]+$' },
              description: 'Unix seconds when this attempt was signed',
            },
            {
              name: 'Docat-Signature',
              in: 'header',
              required: true,
              schema: { type: 'string' },
              description: 'One or more comma-separated `v1=<hex HMAC-SHA256>` values',
            },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('WebhookPayload') } },
          },
          responses: { '2XX': { description: 'Received; any other answer is a failed attempt' } },
        },
      },
    },
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (EdDSA) or API key (dk_...)' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
  };
}
