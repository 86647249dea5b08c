import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Fastify from 'fastify';

/**
 * The baseline of `bench:api`: a bare Fastify server answering `GET /v1/jobs/:id` with the
 * least work that sends the response Docat sends: the same JSON text (the job view Docat
 * answered, handed over in BARE_BODY, serialised once) and, with BARE_HEADERS, the same
 * response headers (security, rate-limit and CORS headers, a fresh request id per answer);
 * no auth, no logging, no RPC. Without BARE_HEADERS it answers only its own four headers
 * (`--bare plain` of the bench: the baseline before, which wrote fewer bytes than Docat).
 * And `POST /v1/documents`, which does the least an upload needs: the request body hashed
 * (SHA-256) and written to a file that is flushed to disk, then `202`. It prints its port
 * on stdout once listening.
 */
const json = JSON.stringify(JSON.parse(process.env.BARE_BODY ?? '{}'));
const headers = JSON.parse(process.env.BARE_HEADERS ?? '{}') as Record<string, string>;
const sameHeaders = Object.keys(headers).length > 0;
const folder = await mkdtemp(join(tmpdir(), 'docat-bare-uploads-'));
const app = Fastify({ logger: false });
app.get('/v1/jobs/:id', (_request, reply) => {
  if (sameHeaders) void reply.headers(headers).header('x-request-id', randomUUID());
  void reply.header('content-type', 'application/json; charset=utf-8').send(json);
});
// The body is read by the handler, as a stream.
app.addContentTypeParser('multipart/form-data', (_request, _payload, done) => done(null));
app.post('/v1/documents', async (request, reply) => {
  const hash = createHash('sha256');
  const path = join(folder, randomUUID());
  await pipeline(
    request.raw,
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    }),
    createWriteStream(path, { flush: true }),
  );
  await unlink(path);
  return reply.status(202).send({ id: randomUUID(), sha256: hash.digest('hex') });
});
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${new URL(address).port}\n`);
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => rm(folder, { recursive: true, force: true }))
    .then(() => process.exit(0));
});
