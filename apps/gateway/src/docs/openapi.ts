import { z } from 'zod';
import {
  ERROR_CODES,
  engineInfoSchema,
  glossaryCreateSchema,
  glossaryDetailSchema,
  glossaryViewSchema,
  jobListSchema,
  jobViewSchema,
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
  method: 'get' | 'post' | 'delete';
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: 'auth' | 'documents' | 'jobs' | 'translation' | 'meta';
  auth: boolean;
  body?: { contentType: 'application/json' | 'multipart/form-data'; schema: string };
  query?: { name: string; required: boolean; schema: JsonSchema; description: string }[];
  headers?: { name: string; description: string }[];
  success: { status: number; description: string; schema?: string; contentType?: string; headers?: Record<string, string> };
  errors: ErrorCode[];
}

const languageListSchema = z.object({
  items: z.array(z.object({ code: z.string(), name: z.string(), rtl: z.boolean() })),
});
const engineListSchema = z.object({ items: z.array(engineInfoSchema) });
const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.record(z.string(), z.string()),
  timestamp: z.iso.datetime(),
});

const uploadFormSchema = uploadOptionsSchema.extend({
  file: z.string().meta({ format: 'binary', description: `The PDF, at most ${MAX_UPLOAD_BYTES} bytes` }),
});

/** Named schemas, each generated from the contracts' zod schema of the same thing. */
const SCHEMAS: Record<string, { schema: z.ZodType; io: 'input' | 'output' }> = {
  Problem: { schema: problemSchema, io: 'output' },
  RegisterRequest: { schema: RPC_CONTRACTS[RPC.AUTH_REGISTER].request, io: 'input' },
  LoginRequest: { schema: RPC_CONTRACTS[RPC.AUTH_LOGIN].request.omit({ ip: true }), io: 'input' },
  RefreshRequest: { schema: RPC_CONTRACTS[RPC.AUTH_REFRESH].request, io: 'input' },
  TokenPair: { schema: tokenPairSchema, io: 'output' },
  User: { schema: userViewSchema, io: 'output' },
  UploadForm: { schema: uploadFormSchema, io: 'input' },
  Job: { schema: jobViewSchema, io: 'output' },
  JobList: { schema: jobListSchema, io: 'output' },
  LanguageList: { schema: languageListSchema, io: 'output' },
  EngineList: { schema: engineListSchema, io: 'output' },
  GlossaryCreate: { schema: glossaryCreateSchema, io: 'input' },
  Glossary: { schema: glossaryViewSchema, io: 'output' },
  GlossaryDetail: { schema: glossaryDetailSchema, io: 'output' },
  GlossaryList: { schema: z.object({ items: z.array(glossaryViewSchema) }), io: 'output' },
  MemoryPurged: { schema: RPC_CONTRACTS[RPC.TRANSLATION_MEMORY_PURGE].response, io: 'output' },
  TmxImport: { schema: RPC_CONTRACTS[RPC.TRANSLATION_MEMORY_IMPORT].request.omit({ userId: true }), io: 'input' },
  TmxImported: { schema: RPC_CONTRACTS[RPC.TRANSLATION_MEMORY_IMPORT].response, io: 'output' },
  Health: { schema: healthSchema, io: 'output' },
};

const jobIdParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

export const OPERATIONS: Operation[] = [
  {
    method: 'post', path: '/v1/auth/register', operationId: 'register', tag: 'auth', auth: false,
    summary: 'Create an account',
    body: { contentType: 'application/json', schema: 'RegisterRequest' },
    success: { status: 201, description: 'The new account', schema: 'User' },
    errors: ['VALIDATION_FAILED', 'EMAIL_TAKEN', 'REGISTRATION_CLOSED'],
  },
  {
    method: 'post', path: '/v1/auth/login', operationId: 'login', tag: 'auth', auth: false,
    summary: 'Exchange email and password for tokens',
    body: { contentType: 'application/json', schema: 'LoginRequest' },
    success: { status: 200, description: 'An access token (EdDSA JWT) and a refresh token', schema: 'TokenPair' },
    errors: ['VALIDATION_FAILED', 'INVALID_CREDENTIALS', 'ACCOUNT_DISABLED'],
  },
  {
    method: 'post', path: '/v1/auth/refresh', operationId: 'refresh', tag: 'auth', auth: false,
    summary: 'Exchange a refresh token for a new pair',
    description: 'Each refresh token works once. Presenting a used one again ends the whole session.',
    body: { contentType: 'application/json', schema: 'RefreshRequest' },
    success: { status: 200, description: 'A new token pair', schema: 'TokenPair' },
    errors: ['VALIDATION_FAILED', 'TOKEN_INVALID'],
  },
  {
    method: 'post', path: '/v1/auth/logout', operationId: 'logout', tag: 'auth', auth: false,
    summary: 'End the session a refresh token belongs to',
    body: { contentType: 'application/json', schema: 'RefreshRequest' },
    success: { status: 204, description: 'The session is ended' },
    errors: ['VALIDATION_FAILED'],
  },
  {
    method: 'get', path: '/v1/me', operationId: 'me', tag: 'auth', auth: true,
    summary: 'The account the token belongs to',
    success: { status: 200, description: 'The account', schema: 'User' },
    errors: ['ACCOUNT_DISABLED'],
  },
  {
    method: 'post', path: '/v1/documents', operationId: 'uploadDocument', tag: 'documents', auth: true,
    summary: 'Upload a PDF and start a job',
    description:
      `Multipart form: the PDF in the \`file\` part and the options as fields, before or after it. ` +
      `The file streams to storage as it arrives; it must start with \`%PDF-\` (a BOM or white-space within the first 1024 bytes is tolerated) ` +
      `and may have at most ${MAX_UPLOAD_BYTES} bytes. A request whose Content-Length alone exceeds the limit is refused unread.`,
    body: { contentType: 'multipart/form-data', schema: 'UploadForm' },
    headers: [{ name: 'Idempotency-Key', description: 'Repeat a request safely: the same key answers the same job' }],
    success: { status: 202, description: 'The job, queued', schema: 'Job', headers: { Location: 'The job URL' } },
    errors: ['VALIDATION_FAILED', 'EMPTY_FILE', 'UNSUPPORTED_MEDIA_TYPE', 'FILE_TOO_LARGE', 'IDEMPOTENCY_KEY_REUSED'],
  },
  {
    method: 'get', path: '/v1/jobs', operationId: 'listJobs', tag: 'jobs', auth: true,
    summary: 'Your jobs, newest first',
    query: [
      { name: 'cursor', required: false, schema: { type: 'string' }, description: '`nextCursor` of the previous page' },
      { name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, description: 'Page size' },
    ],
    success: { status: 200, description: 'One page of jobs', schema: 'JobList' },
    errors: ['VALIDATION_FAILED'],
  },
  {
    method: 'get', path: '/v1/jobs/{id}', operationId: 'getJob', tag: 'jobs', auth: true,
    summary: 'A job: state, stage, progress, pages, error',
    success: { status: 200, description: 'The job', schema: 'Job' },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'delete', path: '/v1/jobs/{id}', operationId: 'cancelJob', tag: 'jobs', auth: true,
    summary: 'Cancel a job; its workers stop within seconds',
    success: { status: 200, description: 'The job, cancelled', schema: 'Job' },
    errors: ['NOT_FOUND', 'JOB_ALREADY_FINISHED'],
  },
  {
    method: 'get', path: '/v1/jobs/{id}/result', operationId: 'getJobResult', tag: 'jobs', auth: true,
    summary: 'Download a result',
    description: 'Streamed with ETag (If-None-Match answers 304), Cache-Control: private and single byte ranges (206, 416).',
    query: [
      { name: 'format', required: true, schema: { type: 'string', enum: outputFormatSchema.options }, description: 'Which output' },
    ],
    headers: [
      { name: 'Range', description: 'One byte range, e.g. bytes=0-1023' },
      { name: 'If-None-Match', description: 'The ETag you hold' },
    ],
    success: { status: 200, description: 'The result file', contentType: 'application/octet-stream' },
    errors: ['NOT_FOUND', 'JOB_NOT_FINISHED', 'RESULT_NOT_AVAILABLE', 'VALIDATION_FAILED'],
  },
  {
    method: 'get', path: '/v1/languages', operationId: 'languages', tag: 'meta', auth: false,
    summary: 'Languages Docat translates from and to',
    success: { status: 200, description: 'Languages', schema: 'LanguageList' },
    errors: [],
  },
  {
    method: 'get', path: '/v1/engines', operationId: 'engines', tag: 'meta', auth: false,
    summary: 'Configured translation engines with their languages and health; `pseudo` is an offline pseudo-localization, not a translation',
    success: { status: 200, description: 'Engines', schema: 'EngineList' },
    errors: [],
  },
  {
    method: 'post', path: '/v1/glossaries', operationId: 'createGlossary', tag: 'translation', auth: true,
    summary: 'Create a glossary from CSV (`term,translation` rows) for one language pair',
    body: { contentType: 'application/json', schema: 'GlossaryCreate' },
    success: { status: 201, description: 'The glossary', schema: 'Glossary' },
    errors: ['VALIDATION_FAILED', 'UNSUPPORTED_LANGUAGE'],
  },
  {
    method: 'get', path: '/v1/glossaries', operationId: 'listGlossaries', tag: 'translation', auth: true,
    summary: 'Your glossaries, newest first',
    success: { status: 200, description: 'Glossaries', schema: 'GlossaryList' },
    errors: [],
  },
  {
    method: 'get', path: '/v1/glossaries/{id}', operationId: 'getGlossary', tag: 'translation', auth: true,
    summary: 'One glossary with its entries (another user\'s answers 404)',
    success: { status: 200, description: 'The glossary', schema: 'GlossaryDetail' },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'delete', path: '/v1/glossaries/{id}', operationId: 'deleteGlossary', tag: 'translation', auth: true,
    summary: 'Delete a glossary and the translation memory made with it',
    success: { status: 204, description: 'Deleted' },
    errors: ['NOT_FOUND'],
  },
  {
    method: 'delete', path: '/v1/memory', operationId: 'purgeMemory', tag: 'translation', auth: true,
    summary: 'Erase your translation memory, or only what one glossary made (`?glossaryId=`)',
    success: { status: 200, description: 'Entries removed', schema: 'MemoryPurged' },
    errors: ['VALIDATION_FAILED'],
  },
  {
    method: 'get', path: '/v1/memory/tmx', operationId: 'exportMemory', tag: 'translation', auth: true,
    summary: 'Your translation memory as TMX 1.4',
    success: { status: 200, description: 'TMX document', contentType: 'application/x-tmx+xml' },
    errors: ['PAYLOAD_TOO_LARGE'],
  },
  {
    method: 'post', path: '/v1/memory/tmx', operationId: 'importMemory', tag: 'translation', auth: true,
    summary: 'Import TMX (e.g. corrected translations) into your translation memory',
    body: { contentType: 'application/json', schema: 'TmxImport' },
    success: { status: 200, description: 'Units imported and skipped', schema: 'TmxImported' },
    errors: ['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE'],
  },
  {
    method: 'get', path: '/health', operationId: 'health', tag: 'meta', auth: false,
    summary: 'Aggregate health',
    success: { status: 200, description: 'Healthy (503 with the same body when not)', schema: 'Health' },
    errors: [],
  },
];

/** Errors any operation can answer, besides its own. */
const COMMON_ERRORS: ErrorCode[] = ['INTERNAL', 'SERVICE_UNAVAILABLE', 'DEADLINE_EXCEEDED'];
const AUTH_ERRORS: ErrorCode[] = ['UNAUTHENTICATED', 'TOKEN_INVALID'];

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
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
  for (const [name, { schema, io }] of Object.entries(SCHEMAS)) schemas[name] = jsonSchemaOf(schema, io);

  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters: unknown[] = [];
    if (op.path.includes('{id}')) parameters.push(jobIdParameter);
    for (const q of op.query ?? []) parameters.push({ name: q.name, in: 'query', required: q.required, schema: q.schema, description: q.description });
    for (const h of op.headers ?? []) parameters.push({ name: h.name, in: 'header', required: false, schema: { type: 'string' }, description: h.description });
    parameters.push({ name: 'X-Request-Id', in: 'header', required: false, schema: { type: 'string' }, description: 'Echoed back; made up when absent' });

    const success: Record<string, unknown> = { description: op.success.description };
    if (op.success.schema) success.content = { 'application/json': { schema: ref(op.success.schema) } };
    if (op.success.contentType) success.content = { [op.success.contentType]: { schema: { type: 'string', format: 'binary' } } };
    if (op.success.headers) {
      success.headers = Object.fromEntries(
        Object.entries(op.success.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]),
      );
    }
    const codes = [...new Set([...op.errors, ...(op.auth ? AUTH_ERRORS : []), ...COMMON_ERRORS])];
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      ...(op.auth ? { security: [{ bearer: [] }] } : { security: [] }),
      parameters,
      ...(op.body ? { requestBody: { required: true, content: { [op.body.contentType]: { schema: ref(op.body.schema) } } } } : {}),
      responses: { [String(op.success.status)]: success, ...errorResponses(codes) },
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Docat API',
      version,
      description: 'Translate and extract PDFs. Every error is RFC 9457 problem+json with a stable `code`.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'auth', description: 'Accounts and tokens' },
      { name: 'documents', description: 'Uploads' },
      { name: 'jobs', description: 'Jobs and their results' },
      { name: 'translation', description: 'Glossaries and translation memory' },
      { name: 'meta', description: 'Languages, engines, health' },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (EdDSA)' } },
    },
  };
}
