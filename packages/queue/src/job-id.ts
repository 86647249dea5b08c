import { createHash } from 'node:crypto';
import { uuidv7 } from '@docat/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Namespace of Docat queue job ids (a fixed random UUID; never change it). */
const JOB_ID_NAMESPACE = Buffer.from('5b0f2c3e8a6d4e1f9c7a2b4d6e8f0a1c', 'hex');

/**
 * The id a job is stored under. BullMQ forbids `:` in custom ids and pg-boss stores ids
 * as `uuid`, so an idempotency key such as `job:chunk:step` is mapped to a name-based
 * UUID (version 5, SHA-1, RFC 9562). A key that already is a UUID is kept, lower-cased.
 * Without a key every enqueue gets a fresh UUIDv7.
 */
export function stableJobId(key?: string): string {
  if (key === undefined) return uuidv7();
  if (key.length === 0) throw new RangeError('jobId must not be empty');
  if (UUID.test(key)) return key.toLowerCase();
  const hash = createHash('sha1').update(JOB_ID_NAMESPACE).update(key, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
