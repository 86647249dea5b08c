import { isObservable, lastValueFrom, type Observable } from 'rxjs';
import type { MessageHandler } from '@nestjs/microservices';
import type { MessageContext } from './message.context.js';

/**
 * Runs a Nest handler and settles with its last emitted value. Nest wraps controller
 * methods so a thrown error surfaces as an erroring Observable; both forms reject here.
 * A reply is a single value: a handler that streams several answers with its last one.
 */
export async function invokeHandler(
  handler: MessageHandler,
  data: unknown,
  context: MessageContext,
): Promise<unknown> {
  const result: unknown = await handler(data, context);
  if (isObservable(result)) {
    return lastValueFrom(result as Observable<unknown>, { defaultValue: undefined });
  }
  return result;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
