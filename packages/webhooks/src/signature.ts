import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'Docat-Timestamp';
export const SIGNATURE_HEADER = 'Docat-Signature';
/** A receiver should refuse a delivery whose timestamp is further than this from its clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">` under the endpoint's secret. */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function signatureHeaders(
  secret: string,
  body: string,
  now = Date.now(),
): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: signPayload(secret, timestamp, body),
  };
}

/**
 * The receiver's check: the header may carry several comma-separated `v1=` values (during
 * a secret rotation); one must match, in constant time, and the timestamp must be recent.
 */
export function verifySignature(
  secret: string,
  timestampHeader: string,
  signatureHeader: string,
  body: string,
  now = Date.now(),
): boolean {
  const timestamp = Number(timestampHeader);
  if (
    !Number.isInteger(timestamp) ||
    Math.abs(now / 1000 - timestamp) > SIGNATURE_TOLERANCE_SECONDS
  )
    return false;
  const expected = Buffer.from(signPayload(secret, timestamp, body));
  return signatureHeader.split(',').some((candidate) => {
    const given = Buffer.from(candidate.trim());
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
