import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { SmtpMailer } from './smtp.mailer.js';

interface Received {
  from: string;
  to: string[];
  user: string | undefined;
  data: string;
}

describe('SmtpMailer against a real SMTP server', () => {
  const received: Received[] = [];
  let server: SMTPServer;
  let port: number;

  before(async () => {
    server = new SMTPServer({
      // No TLS certificate here: plain SMTP with AUTH allowed, as a relay on a private network would be.
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'docat' && auth.password === 's3cret/pass')
          callback(null, { user: auth.username });
        else callback(new Error('Invalid username or password'));
      },
      onRcptTo(address, _session, callback) {
        if (address.address.endsWith('@rejected.example')) callback(new Error('No such user'));
        else callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            user: typeof session.user === 'string' ? session.user : undefined,
            data: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
      logger: false,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const message = {
    to: 'ada@example.org',
    purpose: 'password_reset' as const,
    subject: 'Reset your Docat password',
    text: 'Open https://docat.example.org/reset-password?token=abc to choose a new password.',
    link: 'https://docat.example.org/reset-password?token=abc',
    token: 'abc',
  };

  test('delivers with the credentials from the URL (escaped characters included) and the configured sender', async () => {
    const mailer = new SmtpMailer(
      `smtp://docat:${encodeURIComponent('s3cret/pass')}@127.0.0.1:${port}`,
      'Docat <no-reply@docat.example.org>',
    );
    try {
      await mailer.send(message);
    } finally {
      mailer.close();
    }
    const mail = received.at(-1)!;
    assert.equal(mail.user, 'docat');
    assert.equal(mail.from, 'no-reply@docat.example.org');
    assert.deepEqual(mail.to, ['ada@example.org']);
    assert.match(mail.data, /Subject: Reset your Docat password/);
    // The body is quoted-printable: undo soft line breaks and =XX escapes.
    const body = mail.data
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    assert.ok(body.includes('https://docat.example.org/reset-password?token=abc'));
  });

  test('wrong credentials and a refused recipient reject the send', async () => {
    const wrong = new SmtpMailer(`smtp://docat:nope@127.0.0.1:${port}`, 'docat@example.org');
    try {
      await assert.rejects(wrong.send(message));
    } finally {
      wrong.close();
    }
    const mailer = new SmtpMailer(
      `smtp://docat:${encodeURIComponent('s3cret/pass')}@127.0.0.1:${port}`,
      'docat@example.org',
    );
    try {
      await assert.rejects(mailer.send({ ...message, to: 'someone@rejected.example' }));
    } finally {
      mailer.close();
    }
  });
});
