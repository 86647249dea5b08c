import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger, type LoggerService } from '@nestjs/common';
import { LogMailer, maskEmail, MemoryMailer, type MailMessage } from './mailer.js';

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
  test('outside production the log mailer shows the link, so a developer can follow it', async () => {
    const out = await logged(() => new LogMailer(false).send(message));
    assert.ok(out.includes(message.link));
  });

  test('in production neither the token nor the full address reaches the log', async () => {
    const out = await logged(() => new LogMailer(true).send(message));
    assert.ok(out.length > 0, 'the undelivered mail is reported');
    assert.ok(!out.includes(TOKEN));
    assert.ok(!out.includes('ada@example.org'));
    assert.ok(out.includes('a***@example.org'));
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
