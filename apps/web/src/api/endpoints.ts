import type {
  AdminUserList,
  AdminUserView,
  ApiKeyView,
  CreatedApiKey,
  DryRun,
  EngineInfo,
  FailedQueueJobList,
  GlossaryDetail,
  GlossaryView,
  InviteView,
  JobList,
  JobState,
  JobView,
  LanguageEntry,
  OutputFormat,
  Plan,
  QueueName,
  QueuesOverview,
  RPC,
  RpcRequest,
  RpcResponse,
  SessionView,
  UploadLimits,
  UploadOptionsInput,
  Usage,
  UserView,
} from '@docat/contracts';
import { client } from './client.js';

type Items<T> = { items: T[] };

/** The upload form's fields as strings, the way multipart carries them. */
export type UploadFields = { [K in keyof UploadOptionsInput]?: string };

function uploadForm(file: File, fields: UploadFields): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields))
    if (value !== undefined && value !== '') form.append(name, value);
  // Options first: the gateway reads them before it streams the file.
  form.append('file', file, file.name);
  return form;
}

/** Every route the web app calls, typed from `@docat/contracts`. */
export const api = {
  register: (body: RpcRequest<typeof RPC.AUTH_REGISTER>) =>
    client.request<{ ok: true }>('POST', '/v1/auth/register', {
      json: body,
      auth: false,
    }),
  requestPasswordReset: (email: string) =>
    client.request<{ ok: true }>('POST', '/v1/auth/password-reset', {
      json: { email },
      auth: false,
    }),
  confirmPasswordReset: (token: string, password: string) =>
    client.request<void>('POST', '/v1/auth/password-reset/confirm', {
      json: { token, password },
      auth: false,
    }),
  verifyEmail: (token: string) =>
    client.request<UserView>('POST', '/v1/auth/verify-email', { json: { token }, auth: false }),
  resendVerification: () => client.request<{ ok: true }>('POST', '/v1/auth/verify-email/resend'),
  me: () => client.request<UserView>('GET', '/v1/me'),
  usage: () => client.request<Usage>('GET', '/v1/usage'),
  exportMyData: () => client.download('/v1/me/export'),
  deleteMe: () => client.request<unknown>('DELETE', '/v1/me'),

  sessions: () => client.request<Items<SessionView>>('GET', '/v1/sessions'),
  revokeSession: (id: string) =>
    client.request<void>('DELETE', `/v1/sessions/${encodeURIComponent(id)}`),
  revokeAllSessions: () =>
    client.request<RpcResponse<typeof RPC.AUTH_SESSIONS_REVOKE_ALL>>('DELETE', '/v1/sessions'),

  apiKeys: () => client.request<Items<ApiKeyView>>('GET', '/v1/api-keys'),
  createApiKey: (name: string, expiresInDays?: number) =>
    client.request<CreatedApiKey>('POST', '/v1/api-keys', {
      json: expiresInDays ? { name, expiresInDays } : { name },
    }),
  revokeApiKey: (id: string) =>
    client.request<void>('DELETE', `/v1/api-keys/${encodeURIComponent(id)}`),

  languages: () => client.request<Items<LanguageEntry>>('GET', '/v1/languages', { auth: false }),
  engines: () => client.request<Items<EngineInfo>>('GET', '/v1/engines', { auth: false }),
  limits: () => client.request<UploadLimits>('GET', '/v1/limits', { auth: false }),
  estimate: (file: File, fields: UploadFields) =>
    client.request<DryRun>('POST', '/v1/documents', {
      body: uploadForm(file, fields),
      query: { dryRun: true },
    }),
  upload: (file: File, fields: UploadFields, idempotencyKey: string) =>
    client.request<JobView>('POST', '/v1/documents', {
      body: uploadForm(file, fields),
      headers: { 'idempotency-key': idempotencyKey },
    }),

  jobs: (query: { cursor?: string; limit?: number; state?: JobState; q?: string }) =>
    client.request<JobList>('GET', '/v1/jobs', { query }),
  job: (id: string) => client.request<JobView>('GET', `/v1/jobs/${encodeURIComponent(id)}`),
  cancelJob: (id: string) =>
    client.request<JobView>('DELETE', `/v1/jobs/${encodeURIComponent(id)}`),
  eraseJob: (id: string) =>
    client.request<RpcResponse<typeof RPC.JOBS_DELETE>>(
      'POST',
      `/v1/jobs/${encodeURIComponent(id)}/erase`,
    ),
  result: (id: string, format: OutputFormat) =>
    client.download(`/v1/jobs/${encodeURIComponent(id)}/result`, { query: { format } }),
  source: (id: string) => client.download(`/v1/jobs/${encodeURIComponent(id)}/source`),
  report: (id: string) => client.download(`/v1/jobs/${encodeURIComponent(id)}/report`),

  glossaries: () => client.request<Items<GlossaryView>>('GET', '/v1/glossaries'),
  glossary: (id: string) =>
    client.request<GlossaryDetail>('GET', `/v1/glossaries/${encodeURIComponent(id)}`),
  createGlossary: (body: Omit<RpcRequest<typeof RPC.TRANSLATION_GLOSSARY_CREATE>, 'userId'>) =>
    client.request<GlossaryView>('POST', '/v1/glossaries', { json: body }),
  updateGlossary: (
    id: string,
    body: Omit<RpcRequest<typeof RPC.TRANSLATION_GLOSSARY_UPDATE>, 'userId' | 'id'>,
  ) =>
    client.request<GlossaryView>('PATCH', `/v1/glossaries/${encodeURIComponent(id)}`, {
      json: body,
    }),
  deleteGlossary: (id: string) =>
    client.request<void>('DELETE', `/v1/glossaries/${encodeURIComponent(id)}`),
  exportMemory: () => client.download('/v1/memory/tmx'),
  importMemory: (tmx: string) =>
    client.request<RpcResponse<typeof RPC.TRANSLATION_MEMORY_IMPORT>>('POST', '/v1/memory/tmx', {
      json: { tmx },
    }),
  purgeMemory: () =>
    client.request<RpcResponse<typeof RPC.TRANSLATION_MEMORY_PURGE>>('DELETE', '/v1/memory'),

  adminUsers: (query: { email?: string; cursor?: string }) =>
    client.request<AdminUserList>('GET', '/v1/admin/users', { query }),
  adminDisable: (id: string) =>
    client.request<AdminUserView>('POST', `/v1/admin/users/${encodeURIComponent(id)}/disable`),
  adminEnable: (id: string) =>
    client.request<AdminUserView>('POST', `/v1/admin/users/${encodeURIComponent(id)}/enable`),
  adminSetPlan: (id: string, plan: Plan) =>
    client.request<AdminUserView>('POST', `/v1/admin/users/${encodeURIComponent(id)}/plan`, {
      json: { plan },
    }),
  adminCreateInvite: (body: { email?: string; expiresInDays?: number }) =>
    client.request<InviteView>('POST', '/v1/admin/invites', { json: body }),
  adminQueues: () => client.request<QueuesOverview>('GET', '/v1/admin/queues'),
  adminFailed: (queue: QueueName) =>
    client.request<FailedQueueJobList>('GET', `/v1/admin/queues/${queue}/failed`),
  adminRetry: (queue: QueueName, id: string) =>
    client.request<unknown>(
      'POST',
      `/v1/admin/queues/${queue}/failed/${encodeURIComponent(id)}/retry`,
    ),
  adminRemove: (queue: QueueName, id: string) =>
    client.request<unknown>(
      'POST',
      `/v1/admin/queues/${queue}/failed/${encodeURIComponent(id)}/remove`,
    ),
};
