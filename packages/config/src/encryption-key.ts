import { mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DocatConfig } from './config.js';
import { createKeyring, generateKey, type Keyring } from './encryption.js';
import { decodeKey } from './parsers.js';

export const GENERATED_KEY_FILE = 'encryption.key';

async function readKeyFile(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const key = text.trim();
  if (!decodeKey(key))
    throw new Error(`${path} does not hold a 32-byte base64 key; restore it or remove it`);
  return key;
}

/** Creates the key file exactly once, even when several processes boot together. */
async function createKeyFile(path: string): Promise<string> {
  const key = generateKey();
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(`${key}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const existing = await readKeyFile(path);
    if (!existing) throw new Error(`${path} vanished while being created`, { cause: err });
    return existing;
  }
}

/**
 * The keyring for encrypting stored secrets. DOCAT_ENCRYPTION_KEY wins; without it
 * (standalone only, which loadConfig enforces) a key is generated once into the data
 * folder and reused on every later boot. A generated key that was later replaced by an
 * explicit one stays readable as a previous key, so moving to an explicit key loses
 * nothing.
 */
export async function resolveEncryptionKey(
  config: Pick<DocatConfig, 'mode' | 'dataDir' | 'encryption'>,
): Promise<Keyring> {
  const file = join(config.dataDir, GENERATED_KEY_FILE);
  const { key, previousKeys } = config.encryption;
  if (key) {
    const generated = config.mode === 'standalone' ? await readKeyFile(file) : undefined;
    return createKeyring(key, generated ? [...previousKeys, generated] : previousKeys);
  }
  if (config.mode === 'cluster')
    throw new Error('DOCAT_ENCRYPTION_KEY is required when DOCAT_MODE=cluster');
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const stored = (await readKeyFile(file)) ?? (await createKeyFile(file));
  return createKeyring(stored, previousKeys);
}
