import { z } from 'zod';
import {
  DocatError,
  envelopeSchema,
  wireErrorSchema,
  type Envelope,
  type WireError,
} from '@docat/contracts';

/**
 * Stream entry fields. Short names keep entries small; they are part of the wire format
 * between releases, so they are never renamed.
 *
 *   request:  e = envelope JSON, r = reply stream key, d = deadline (epoch ms)
 *   event:    e = envelope JSON
 *   reply:    c = request envelope id, p = reply payload JSON
 */
export const FIELD = {
  ENVELOPE: 'e',
  REPLY_TO: 'r',
  DEADLINE: 'd',
  CORRELATION: 'c',
  PAYLOAD: 'p',
} as const;

export const anyEnvelopeSchema = envelopeSchema(z.unknown());

export const replyPayloadSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: wireErrorSchema }),
]);
export type ReplyPayload = z.infer<typeof replyPayloadSchema>;

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

export interface StreamBatch {
  key: string;
  entries: StreamEntry[];
}

function fieldsOf(raw: unknown): Record<string, string> | null {
  if (!Array.isArray(raw) || raw.length % 2 !== 0) return null;
  const fields: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name: unknown = raw[i];
    const value: unknown = raw[i + 1];
    if (typeof name !== 'string' || typeof value !== 'string') return null;
    fields[name] = value;
  }
  return fields;
}

/**
 * Parses an entry list `[[id, [field, value, ...]], ...]` as returned by XRANGE,
 * XAUTOCLAIM and inside XREAD replies. Entries deleted while pending come back with
 * nil fields and are returned with empty fields, so callers can acknowledge them.
 */
export function parseEntries(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  const entries: StreamEntry[] = [];
  for (const item of raw) {
    if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
    entries.push({ id: item[0], fields: fieldsOf(item[1]) ?? {} });
  }
  return entries;
}

/** Parses an XREAD / XREADGROUP reply (RESP2): `[[key, entries], ...]` or nil. */
export function parseReadReply(raw: unknown): StreamBatch[] {
  if (!Array.isArray(raw)) return [];
  const batches: StreamBatch[] = [];
  for (const item of raw) {
    if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
    batches.push({ key: item[0], entries: parseEntries(item[1]) });
  }
  return batches;
}

/** Parses an XAUTOCLAIM reply: `[nextCursor, entries, deletedIds?]`. */
export function parseAutoClaimReply(raw: unknown): { cursor: string; entries: StreamEntry[] } {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') return { cursor: '0-0', entries: [] };
  const entries = parseEntries(raw[1]);
  const deleted: unknown = raw[2];
  if (Array.isArray(deleted)) {
    for (const id of deleted) if (typeof id === 'string') entries.push({ id, fields: {} });
  }
  return { cursor: raw[0], entries };
}

export interface ParsedRequest {
  envelope: Envelope;
  replyTo: string;
  deadline: number;
}

export type RequestParse =
  | { ok: true; request: ParsedRequest }
  | { ok: false; reason: string; replyTo?: string; correlation?: string };

const requestFieldsSchema = z.object({
  [FIELD.ENVELOPE]: z.string(),
  [FIELD.REPLY_TO]: z.string().min(1),
  [FIELD.DEADLINE]: z.string().regex(/^\d+$/),
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function parseEnvelope(text: string | undefined): Envelope | null {
  if (text === undefined) return null;
  const parsed = anyEnvelopeSchema.safeParse(parseJson(text));
  return parsed.success ? (parsed.data as Envelope) : null;
}

export function parseRequest(fields: Record<string, string>): RequestParse {
  const parsed = requestFieldsSchema.safeParse(fields);
  if (!parsed.success) return { ok: false, reason: 'malformed request entry' };
  const replyTo = parsed.data[FIELD.REPLY_TO];
  const envelope = parseEnvelope(parsed.data[FIELD.ENVELOPE]);
  if (!envelope) {
    const raw = parseJson(parsed.data[FIELD.ENVELOPE]);
    const id = z.object({ id: z.string().min(1) }).safeParse(raw);
    return {
      ok: false,
      reason: 'invalid envelope',
      replyTo,
      correlation: id.success ? id.data.id : undefined,
    };
  }
  return {
    ok: true,
    request: { envelope, replyTo, deadline: Number(parsed.data[FIELD.DEADLINE]) },
  };
}

export function encodeReply(payload: ReplyPayload): string {
  return JSON.stringify(payload);
}

export function parseReply(
  fields: Record<string, string>,
): { correlation: string; payload: ReplyPayload } | null {
  const correlation = fields[FIELD.CORRELATION];
  const text = fields[FIELD.PAYLOAD];
  if (!correlation || text === undefined) return null;
  const parsed = replyPayloadSchema.safeParse(parseJson(text));
  return parsed.success ? { correlation, payload: parsed.data } : null;
}

/**
 * What a caller learns about a failure. A DocatError (or its wire form, e.g. inside an
 * RpcException) keeps its code and message; anything else becomes INTERNAL with no
 * detail, so internals never leak across a service boundary.
 */
export function toWireError(err: unknown): WireError {
  if (err instanceof DocatError) return err.toWire();
  const wire = wireErrorSchema.safeParse(err);
  if (wire.success) return wire.data;
  return new DocatError('INTERNAL').toWire();
}

export function isTypedError(err: unknown): boolean {
  return err instanceof DocatError || wireErrorSchema.safeParse(err).success;
}

/** The JSON form of a value, as a reply carries it (undefined becomes null). */
export function jsonSafe(value: unknown): unknown {
  return wireCopy(value) ?? null;
}

/** Deeper than any payload Docat sends; JSON.stringify would throw on a cycle, this on depth. */
const MAX_DEPTH = 256;

/**
 * A copy of `value` as `JSON.parse(JSON.stringify(value))` would give it, built without
 * the text in between: `toJSON` is honoured (dates become ISO strings), undefined,
 * functions and symbols are dropped from objects and become null in arrays, non-finite
 * numbers become null, a bigint or a cycle throws. The in-process transport copies every
 * message with it, so what Redis cannot carry, it does not carry either, at a fraction of
 * the cost of a text round trip on the hot path.
 */
export function wireCopy(value: unknown): unknown {
  return copy(value, '', 0);
}

function copy(value: unknown, key: string, depth: number): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      break;
    default:
      return undefined;
  }
  if (depth > MAX_DEPTH) throw new TypeError('Converting circular or too deep structure to JSON');
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function')
    return copy((toJSON as (key: string) => unknown).call(value, key), key, depth + 1);
  if (Array.isArray(value)) {
    const out: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i], String(i), depth + 1) ?? null;
    return out;
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean)
    return value.valueOf();
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(value)) {
    const item = copy((value as Record<string, unknown>)[name], name, depth + 1);
    if (item !== undefined) out[name] = item;
  }
  return out;
}
