import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  TERMINAL_STATES,
  type JobList,
  type JobView,
  type Problem,
  type TokenPair,
} from '@docat/contracts';

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
  gateway: string;
}

/** One request's body, headers and whether it carries the access token (default: it does). */
interface RequestOptions {
  json?: unknown;
  body?: FormData | Blob;
  headers?: Record<string, string>;
  auth?: boolean;
}

/**
 * A client of the public API that alternates between the gateway replicas on every
 * request, so anything that only works on the replica that served the last call fails.
 */
export class DocatApi {
  private next = 0;
  token: string | undefined;
  /**
   * Sign in again once when a request answers 401, as a client that outlives its access
   * token (15 minutes) must: for long runs such as the full-size throughput benchmark.
   * Off by default, so a test that expects a 401 sees it.
   */
  keepSignedIn = false;
  private credentials: { email: string; password: string } | undefined;

  constructor(private readonly gateways: readonly string[]) {
    if (gateways.length === 0) throw new Error('no gateway');
  }

  private base(): string {
    const base = this.gateways[this.next % this.gateways.length]!;
    this.next += 1;
    return base;
  }

  async request<T>(
    method: string,
    path: string,
    init: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const res = await this.send<T>(method, path, init);
    if (res.status !== 401 || !this.keepSignedIn || !(init.auth ?? true) || !this.credentials)
      return res;
    const login = await this.send<TokenPair>('POST', '/v1/auth/login', {
      json: this.credentials,
      auth: false,
    });
    if (login.status !== 200) return res;
    this.token = login.body.accessToken;
    return this.send<T>(method, path, init);
  }

  private async send<T>(
    method: string,
    path: string,
    init: RequestOptions,
  ): Promise<ApiResponse<T>> {
    const gateway = this.base();
    const headers: Record<string, string> = { ...init.headers };
    if ((init.auth ?? true) && this.token) headers.authorization = `Bearer ${this.token}`;
    let body: string | FormData | Blob | undefined = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    let res: Response;
    try {
      res = await fetch(gateway + path, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
    } catch (err) {
      // Name the gateway and route, so a failure can be matched to that process's log.
      const cause =
        err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      throw new Error(`${method} ${gateway}${path} failed at ${new Date().toISOString()}${cause}`, {
        cause: err,
      });
    }
    const type = res.headers.get('content-type') ?? '';
    const parsed = type.includes('json') ? ((await res.json()) as T) : ((await res.text()) as T);
    return { status: res.status, headers: res.headers, body: parsed, gateway };
  }

  /** Registers a fresh user and keeps its access token. */
  async registerFresh(): Promise<{ email: string; password: string }> {
    const email = `e2e-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}@example.com`;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const reg = await this.request<unknown>('POST', '/v1/auth/register', {
      json: { email, password },
      auth: false,
    });
    if (reg.status !== 202)
      throw new Error(`register answered ${reg.status}: ${JSON.stringify(reg.body)}`);
    const login = await this.request<TokenPair>('POST', '/v1/auth/login', {
      json: { email, password },
      auth: false,
    });
    if (login.status !== 200)
      throw new Error(`login answered ${login.status}: ${JSON.stringify(login.body)}`);
    this.token = login.body.accessToken;
    this.credentials = { email, password };
    return { email, password };
  }

  async uploadFile(
    path: string,
    fields: Record<string, string> = {},
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<JobView & Problem>> {
    return this.uploadBytes(await readFile(path), basename(path), fields, headers);
  }

  async uploadBytes(
    bytes: Uint8Array | Blob,
    fileName: string,
    fields: Record<string, string> = {},
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<JobView & Problem>> {
    const form = new FormData();
    for (const [name, value] of Object.entries({
      targetLanguage: 'de',
      outputs: 'md,txt,json',
      ...fields,
    }))
      form.append(name, value);
    form.append(
      'file',
      bytes instanceof Blob ? bytes : new Blob([bytes], { type: 'application/pdf' }),
      fileName,
    );
    return this.request('POST', '/v1/documents', { body: form, headers });
  }

  async job(id: string): Promise<ApiResponse<JobView & Problem>> {
    return this.request('GET', `/v1/jobs/${id}`);
  }

  async list(query = ''): Promise<ApiResponse<JobList & Problem>> {
    return this.request('GET', `/v1/jobs${query}`);
  }

  async cancel(id: string): Promise<ApiResponse<JobView & Problem>> {
    return this.request('DELETE', `/v1/jobs/${id}`);
  }

  async result(
    id: string,
    format: string,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<string>> {
    const res = await this.request<unknown>('GET', `/v1/jobs/${id}/result?format=${format}`, {
      headers,
    });
    return { ...res, body: typeof res.body === 'string' ? res.body : JSON.stringify(res.body) };
  }

  /** Polls until the job reaches a terminal state; each poll may hit another gateway. */
  async waitFinished(id: string, timeoutMs = 120_000, intervalMs = 150): Promise<JobView> {
    const deadline = Date.now() + timeoutMs;
    let last: JobView | undefined;
    while (Date.now() < deadline) {
      const res = await this.job(id);
      if (res.status !== 200)
        throw new Error(`GET /v1/jobs/${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
      last = res.body;
      if (TERMINAL_STATES.has(last.state)) return last;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    throw new Error(`job ${id} not finished after ${timeoutMs} ms: ${JSON.stringify(last)}`);
  }
}
