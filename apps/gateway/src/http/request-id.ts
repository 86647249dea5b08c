import type { IncomingMessage } from 'node:http';
import { uuidv7 } from '@docat/contracts';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Incoming ids are honoured only when short and plain, so logs and headers stay clean. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Fastify `genReqId`: the caller's `X-Request-Id` when sane, else a fresh UUIDv7. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : uuidv7();
}
