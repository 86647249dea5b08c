import { lastValueFrom, type Observable } from 'rxjs';
import type { EnvelopeContext } from '@docat/contracts';

export interface CallOptions {
  /** Time the caller waits; it becomes the request's absolute deadline. */
  timeoutMs?: number;
  context?: EnvelopeContext;
}

export interface EmitOptions {
  context?: EnvelopeContext;
}

/** What both transport clients offer beyond ClientProxy: per-call options. */
export interface EnvelopeClient {
  sendWith<TRes>(pattern: string, data: unknown, options?: CallOptions): Observable<TRes>;
  emitWith(event: string, data: unknown, options?: EmitOptions): Promise<void>;
  close(): Promise<void>;
}

/** The typed facade app code uses instead of `client.send(...)` by hand. */
export interface BusClient {
  call<TRes>(pattern: string, data: unknown, opts?: CallOptions): Promise<TRes>;
  emit(event: string, data: unknown, opts?: EmitOptions): Promise<void>;
  close(): Promise<void>;
}

export function createBusClient(client: EnvelopeClient): BusClient {
  return {
    call: <TRes>(pattern: string, data: unknown, opts?: CallOptions) =>
      lastValueFrom(client.sendWith<TRes>(pattern, data, opts)),
    emit: (event, data, opts) => client.emitWith(event, data, opts),
    close: () => client.close(),
  };
}
