import { DocatError, envelopeMetaSchema, type Envelope } from '@docat/contracts';

/**
 * Checks the envelope of a received job. Only the metadata is checked here; the payload
 * belongs to the handler, which validates `data` against its queue's schema.
 */
export function receivedEnvelope<T>(raw: unknown): Envelope<T> {
  const meta = envelopeMetaSchema.safeParse(raw);
  if (!meta.success || typeof raw !== 'object' || raw === null || !('data' in raw)) {
    throw new DocatError('VALIDATION_FAILED', 'queue job does not carry a valid envelope');
  }
  return raw as Envelope<T>;
}
