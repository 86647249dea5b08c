import Fastify from 'fastify';

/**
 * The baseline of `bench:api`: a bare Fastify server answering `GET /v1/jobs/:id` with a
 * fixed JSON body (the job view Docat answered, handed over in BARE_BODY), no auth, no
 * logging, no RPC. It prints its port on stdout once listening.
 */
const body = JSON.parse(process.env.BARE_BODY ?? '{}') as Record<string, unknown>;
const app = Fastify({ logger: false });
app.get('/v1/jobs/:id', async () => body);
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${new URL(address).port}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
