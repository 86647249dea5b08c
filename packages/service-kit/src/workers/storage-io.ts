import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ObjectStorage } from '../ports.js';

/** An object's bytes, or the inclusive `range` of them, in one buffer. */
export async function readBytes(
  storage: ObjectStorage,
  key: string,
  range?: { start: number; end?: number },
): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of await storage.get(key, range ? { range } : {}))
    parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export async function readJson(storage: ObjectStorage, key: string): Promise<unknown> {
  return JSON.parse((await readBytes(storage, key)).toString('utf8')) as unknown;
}

export async function writeJson(
  storage: ObjectStorage,
  key: string,
  value: unknown,
  signal?: AbortSignal,
): Promise<void> {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  await storage.put(key, body, {
    contentType: 'application/json',
    contentLength: body.length,
    ...(signal ? { signal } : {}),
  });
}

/** Copies an object to a private temporary file (the sandbox reads a path); `dispose` removes it. */
export async function downloadToTemp(
  storage: ObjectStorage,
  key: string,
  signal: AbortSignal,
): Promise<{ path: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'docat-extract-'));
  const path = join(dir, 'source.pdf');
  try {
    await pipeline(await storage.get(key), createWriteStream(path, { mode: 0o600 }), { signal });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { path, dispose: () => rm(dir, { recursive: true, force: true }) };
}
