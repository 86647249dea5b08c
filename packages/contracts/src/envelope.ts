import { z } from 'zod';
import { uuidv7 } from './ids.js';

/** W3C trace context `traceparent` header value. */
export const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * Metadata every RPC, event and queue job carries. `type` is the wire name (pattern,
 * event or queue), `version` the payload schema version for that name.
 */
export const envelopeMetaSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  version: z.number().int().positive(),
  traceparent: z.string().regex(TRACEPARENT).optional(),
  /** W3C `tracestate` (vendor trace data) travelling with `traceparent`; optional, added later. */
  tracestate: z.string().max(512).optional(),
  requestId: z.string().max(128).optional(),
  userId: z.string().max(64).optional(),
  idempotencyKey: z.string().max(255).optional(),
  sentAt: z.iso.datetime(),
});
export type EnvelopeMeta = z.infer<typeof envelopeMetaSchema>;

export interface Envelope<T = unknown> extends EnvelopeMeta {
  data: T;
}

export function envelopeSchema<T extends z.ZodType>(data: T) {
  return envelopeMetaSchema.extend({ data });
}

export type EnvelopeContext = Partial<
  Pick<EnvelopeMeta, 'traceparent' | 'tracestate' | 'requestId' | 'userId' | 'idempotencyKey'>
>;

export function makeEnvelope<T>(
  type: string,
  version: number,
  data: T,
  context: EnvelopeContext = {},
): Envelope<T> {
  const meta: EnvelopeMeta = {
    id: uuidv7(),
    type,
    version,
    sentAt: new Date().toISOString(),
  };
  for (const key of [
    'traceparent',
    'tracestate',
    'requestId',
    'userId',
    'idempotencyKey',
  ] as const) {
    const value = context[key];
    if (value !== undefined) meta[key] = value;
  }
  return { ...meta, data };
}
