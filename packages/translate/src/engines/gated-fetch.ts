import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestGate } from '../types.js';

const currentGate = new AsyncLocalStorage<RequestGate>();

/**
 * A fetch for SDK clients that passes each HTTP request through the gate of the batch
 * that issued it. Admission then happens right before the bytes leave, after the SDK's
 * own preparation, so the provider sees the spacing the rate limiter granted.
 */
export const gatedFetch: typeof fetch = (input, init) => {
  const gate = currentGate.getStore();
  return gate ? gate(() => fetch(input, init)) : fetch(input, init);
};

/** Run an SDK call so that every request it makes goes through `gate`. */
export function withGate<T>(gate: RequestGate | undefined, call: () => Promise<T>): Promise<T> {
  return gate ? currentGate.run(gate, call) : call();
}
