import type { ErrorCode, Problem } from '@docat/contracts';
import { BROWSER_SESSION, type BrowserAccessToken } from '@docat/contracts/browser-session';

/** A refusal from the API (problem+json), or a network failure (`code: 'NETWORK'`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK',
    readonly problem: Problem | null,
    /** Seconds from `Retry-After` (429, 503), when the answer had one. */
    readonly retryAfterSeconds: number | null,
  ) {
    super(
      problem?.detail ??
        problem?.title ??
        (code === 'NETWORK' ? 'The server could not be reached' : `HTTP ${status}`),
    );
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  json?: unknown;
  body?: FormData;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Send the access token (default). Public routes send none. */
  auth?: boolean;
  signal?: AbortSignal;
}

type SessionListener = (signedIn: boolean) => void;

function readCookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return null;
}

function retryAfterOf(response: Response): number | null {
  const value = response.headers.get('retry-after');
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

async function errorOf(response: Response): Promise<ApiError> {
  let problem: Problem | null = null;
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      problem = (await response.json()) as Problem;
    } catch {
      problem = null;
    }
  }
  const code: ErrorCode = problem?.code ?? (response.status === 404 ? 'NOT_FOUND' : 'INTERNAL');
  return new ApiError(response.status, code, problem, retryAfterOf(response));
}

function urlOf(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {}))
    if (value !== undefined && value !== '') params.set(key, String(value));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

/**
 * The API as the web app uses it. The access token lives only in this object's memory;
 * the refresh token is an HttpOnly cookie the browser sends to the browser routes alone,
 * so a reload restores the session through `restore()` and no script can read it.
 */
class ApiClient {
  private accessToken: string | null = null;
  private refreshing: Promise<boolean> | null = null;
  private readonly listeners = new Set<SessionListener>();

  get signedIn(): boolean {
    return this.accessToken !== null;
  }

  onSessionChange(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setToken(token: string | null): void {
    const changed = (token === null) !== (this.accessToken === null);
    this.accessToken = token;
    if (changed) for (const listener of this.listeners) listener(token !== null);
  }

  /** The Authorization header value, for the few callers that stream (events, downloads). */
  authorization(): Record<string, string> {
    return this.accessToken ? { authorization: `Bearer ${this.accessToken}` } : {};
  }

  private csrfHeaders(): Record<string, string> {
    const token = readCookie(BROWSER_SESSION.csrfCookie);
    return token ? { [BROWSER_SESSION.csrfHeader]: token } : {};
  }

  async signIn(email: string, password: string): Promise<void> {
    const token = await this.send<BrowserAccessToken>('POST', `${BROWSER_SESSION.path}/login`, {
      json: { email, password },
      auth: false,
    });
    this.setToken(token.accessToken);
  }

  /** After a reload: a new access token from the refresh cookie, if the browser holds one. */
  restore(): Promise<boolean> {
    if (readCookie(BROWSER_SESSION.csrfCookie) === null) return Promise.resolve(false);
    return this.refresh();
  }

  /** One refresh at a time: concurrent 401s wait for the same rotation. */
  refresh(): Promise<boolean> {
    this.refreshing ??= (async () => {
      try {
        const token = await this.send<BrowserAccessToken>(
          'POST',
          `${BROWSER_SESSION.path}/refresh`,
          { auth: false, headers: this.csrfHeaders() },
        );
        this.setToken(token.accessToken);
        return true;
      } catch {
        this.setToken(null);
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  async signOut(): Promise<void> {
    try {
      await this.send<void>('POST', `${BROWSER_SESSION.path}/logout`, {
        auth: false,
        headers: this.csrfHeaders(),
      });
    } finally {
      this.setToken(null);
    }
  }

  /** Forget the session locally (the server already ended it, e.g. after an account deletion). */
  forget(): void {
    this.setToken(null);
  }

  /** A JSON request; a 401 on a signed-in request refreshes the token once and retries. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.fetchWithRefresh(method, path, options);
    if (response.status === 204) return undefined as T;
    const type = response.headers.get('content-type') ?? '';
    return (type.includes('json') ? await response.json() : await response.text()) as T;
  }

  /** The answer's bytes (results, exports), with the file name its Content-Disposition gives. */
  async download(
    path: string,
    options: RequestOptions = {},
  ): Promise<{ blob: Blob; fileName: string | null }> {
    const response = await this.fetchWithRefresh('GET', path, options);
    const disposition = response.headers.get('content-disposition') ?? '';
    const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
    const plain = /filename="([^"]+)"/i.exec(disposition);
    const fileName = star?.[1] ? decodeURIComponent(star[1]) : (plain?.[1] ?? null);
    return { blob: await response.blob(), fileName };
  }

  /** The raw response of a signed-in request (a 2xx one; anything else throws `ApiError`). */
  async fetchWithRefresh(method: string, path: string, options: RequestOptions): Promise<Response> {
    const auth = options.auth ?? true;
    const first = await this.raw(method, path, options);
    if (first.status === 401 && auth && this.accessToken !== null) {
      if (await this.refresh()) {
        const second = await this.raw(method, path, options);
        if (second.ok) return second;
        throw await errorOf(second);
      }
    }
    if (first.ok) return first;
    throw await errorOf(first);
  }

  private async send<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const response = await this.raw(method, path, options);
    if (!response.ok) throw await errorOf(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  private async raw(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if ((options.auth ?? true) && this.accessToken)
      headers.authorization = `Bearer ${this.accessToken}`;
    let body: string | FormData | undefined = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    try {
      return await fetch(urlOf(path, options.query), {
        method,
        headers,
        credentials: 'same-origin',
        ...(body !== undefined ? { body } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new ApiError(0, 'NETWORK', null, null);
    }
  }
}

export const client = new ApiClient();
