import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Logger, type LoggerService } from '@nestjs/common';
import {
  FileMailer,
  mailOutboxFile,
  maskEmail,
  MemoryMailer,
  readMailOutbox,
  type MailMessage,
} from './mailer.js';

const TOKEN = 'Zr0kWq3Lx9v2pQ7sT5nY1mB8cD4fG6hJ0kL2aS4dF6g';
const message: MailMessage = {
  to: 'ada@example.org',
  purpose: 'password_reset',
  subject: 'Reset',
  text: `open https://docat.example.org/reset-password?token=${TOKEN}`,
  link: `https://docat.example.org/reset-password?token=${TOKEN}`,
  token: TOKEN,
};

async function logged(run: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const capture: LoggerService = {
    log: (m: unknown) => void lines.push(String(m)),
    warn: (m: unknown) => void lines.push(String(m)),
    error: (m: unknown) => void lines.push(String(m)),
  };
  Logger.overrideLogger(capture);
  try {
    await run();
  } finally {
    Logger.overrideLogger(['log', 'warn', 'error']);
  }
  return lines.join('\n');
}

describe('mailers', () => {
  test('without mail delivery the link goes to a 0600 file in the data folder; the log says where, never the token or the address', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'docat-mailer-'));
    try {
      const file = mailOutboxFile(dataDir);
      const mailer = new FileMailer(file);
      const out = await logged(() => mailer.send(message));
      assert.ok(out.includes(file), out);
      assert.ok(!out.includes(TOKEN), out);
      assert.ok(!out.includes('ada@example.org'), out);
      assert.ok(out.includes('a***@example.org'), out);
      await mailer.send({
        ...message,
        purpose: 'email_verification',
        link: 'https://docat.example.org/v1/auth/verify-email?token=second',
      });
      const mails = await readMailOutbox(file);
      assert.deepEqual(
        mails.map((m) => [m.to, m.purpose, m.link]),
        [
          ['ada@example.org', 'password_reset', message.link],
          [
            'ada@example.org',
            'email_verification',
            'https://docat.example.org/v1/auth/verify-email?token=second',
          ],
        ],
      );
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal((await stat(dirname(file))).mode & 0o777, 0o700);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('an outbox file made readable by hand is made private again at the next mail', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'docat-mailer-'));
    try {
      const file = mailOutboxFile(dataDir);
      const mailer = new FileMailer(file);
      await mailer.send(message);
      await writeFile(file, '', { mode: 0o644 });
      const { chmod } = await import('node:fs/promises');
      await chmod(file, 0o644);
      await mailer.send(message);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal((await readMailOutbox(file)).length, 1);
      assert.deepEqual(await readMailOutbox(join(dataDir, 'none.jsonl')), []);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('the memory mailer answers the newest message per address and purpose', async () => {
    const mailer = new MemoryMailer();
    await mailer.send(message);
    await mailer.send({ ...message, token: 'second' });
    assert.equal(mailer.last('ADA@example.org', 'password_reset')?.token, 'second');
    assert.equal(mailer.last('ada@example.org', 'email_verification'), undefined);
    assert.equal(maskEmail('not-an-address'), '***');
  });
});
