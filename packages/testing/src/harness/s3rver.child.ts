import { createRequire } from 'node:module';

/**
 * Runs s3rver in its own process so its buffers never count against the memory of the
 * process under test. Arguments: <directory> <bucket>. Reports `{ port }` over IPC once
 * listening and exits when told to or when its parent goes away.
 */
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  vhostBuckets: boolean;
  configureBuckets: { name: string; configs: Buffer[] }[];
}) => S3rverInstance;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverConstructor;

const [directory, bucket] = process.argv.slice(2);
if (!directory || !bucket || !process.send) {
  console.error('usage: node s3rver.child.js <directory> <bucket> (forked with IPC)');
  process.exit(2);
}

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  directory,
  silent: true,
  vhostBuckets: false,
  configureBuckets: [{ name: bucket, configs: [] }],
});

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  await server.close().catch(() => undefined);
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
// The parent died or closed the channel: nobody will ever stop us otherwise.
process.on('disconnect', () => void shutdown());

const address = await server.run();
process.send({ port: address.port });
