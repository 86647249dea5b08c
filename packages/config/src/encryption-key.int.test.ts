import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.js';
import { decryptSecret, encryptSecret, generateKey } from './encryption.js';
import { GENERATED_KEY_FILE, resolveEncryptionKey } from './encryption-key.js';

describe('resolveEncryptionKey', async () => {
  const root = await mkdtemp(join(tmpdir(), 'docat-config-'));
  after(() => rm(root, { recursive: true, force: true }));

  test('standalone without a key generates one once (0600) and reuses it', async () => {
    const config = loadConfig({ DOCAT_DATA_DIR: join(root, 'a') });
    const rings = await Promise.all([resolveEncryptionKey(config), resolveEncryptionKey(config)]);
    assert.equal(rings[0].current.id, rings[1].current.id, 'concurrent boots agree on one key');
    const file = join(root, 'a', GENERATED_KEY_FILE);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const again = await resolveEncryptionKey(config);
    assert.equal(again.current.id, rings[0].current.id);
  });

  test('an explicit key wins and the generated one stays readable as a previous key', async () => {
    const dataDir = join(root, 'b');
    const generated = await resolveEncryptionKey(loadConfig({ DOCAT_DATA_DIR: dataDir }));
    const blob = encryptSecret(generated, 'kept');
    const explicit = generateKey();
    const ring = await resolveEncryptionKey(
      loadConfig({ DOCAT_DATA_DIR: dataDir, DOCAT_ENCRYPTION_KEY: explicit }),
    );
    assert.notEqual(ring.current.id, generated.current.id);
    assert.equal(decryptSecret(ring, blob), 'kept');
  });

  test('a damaged key file is reported, not silently replaced', async () => {
    const dataDir = join(root, 'c');
    await resolveEncryptionKey(loadConfig({ DOCAT_DATA_DIR: dataDir }));
    await writeFile(join(dataDir, GENERATED_KEY_FILE), 'garbage\n');
    await assert.rejects(
      resolveEncryptionKey(loadConfig({ DOCAT_DATA_DIR: dataDir })),
      /does not hold a 32-byte base64 key/,
    );
    assert.equal(await readFile(join(dataDir, GENERATED_KEY_FILE), 'utf8'), 'garbage\n');
  });
});
