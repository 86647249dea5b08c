import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let seq = 0;

/**
 * Randomness drawn 4 KiB at a time: one call into the CSPRNG per 256 ids instead of one
 * per id (ids are minted for every request and every message). Each id takes bytes no
 * other id took.
 */
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;

/** The offset of 16 fresh random bytes in POOL, which the caller may overwrite: no one else gets them. */
function random16(): number {
  if (poolOffset + 16 > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += 16;
  return at;
}

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then randomness. Ids sort by creation
 * time, which keeps B-tree inserts local and lets cursors page by id. Within one
 * millisecond a 12-bit counter in rand_a keeps ids from one process strictly increasing.
 */
export function uuidv7(now: number = Date.now()): string {
  if (now <= lastMs) {
    seq += 1;
    if (seq > 0xfff) {
      // Counter exhausted: borrow the next millisecond rather than repeat an id.
      lastMs += 1;
      seq = 0;
    }
    now = lastMs;
  } else {
    lastMs = now;
    seq = 0;
  }
  // The id is written over its own 16 bytes of the pool and read out as hex: no buffer per id.
  const at = random16();
  const bytes = POOL;
  bytes[at] = (now / 2 ** 40) & 0xff;
  bytes[at + 1] = (now / 2 ** 32) & 0xff;
  bytes[at + 2] = (now >>> 24) & 0xff;
  bytes[at + 3] = (now >>> 16) & 0xff;
  bytes[at + 4] = (now >>> 8) & 0xff;
  bytes[at + 5] = now & 0xff;
  bytes[at + 6] = 0x70 | ((seq >>> 8) & 0x0f);
  bytes[at + 7] = seq & 0xff;
  bytes[at + 8] = 0x80 | (bytes[at + 8]! & 0x3f);
  const hex = bytes.toString('hex', at, at + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isUuidV7(value: string): boolean {
  return UUID_V7.test(value);
}

/** Milliseconds since the epoch encoded in a UUIDv7. */
export function uuidv7Time(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}
