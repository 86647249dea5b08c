import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary folder holding the server's objects. */
  directory: string;
  /** Stops the server process and deletes its data folder. */
  stop(): Promise<void>;
}

// s3rver's built-in account; it accepts no other credentials.
const S3RVER_KEY = 'S3RVER';
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * Starts an S3-compatible server (s3rver) as a child process on a random port with a
 * fresh temporary folder and one empty bucket.
 */
export async function startS3Server(): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'docat-s3-'));
  const bucket = `docat-test-${randomBytes(4).toString('hex')}`;
  const script = new URL('./s3rver.child.js', import.meta.url);
  const child = fork(script, [directory, bucket], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    // s3rver encrypts list continuation tokens with DES, which OpenSSL 3 only offers
    // through its legacy provider; without it every truncated listing fails.
    execArgv: ['--openssl-legacy-provider'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });

  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('s3rver did not start in time')),
        START_TIMEOUT_MS,
      );
      child.once('message', (message: unknown) => {
        clearTimeout(timer);
        const reported = (message as { port?: unknown } | null)?.port;
        if (typeof reported === 'number') resolve(reported);
        else reject(new Error('s3rver sent an unexpected message'));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited with code ${code}: ${stderr.trim()}`));
      });
    });
  } catch (err) {
    child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
    throw err;
  }

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await rm(directory, { recursive: true, force: true });
    })();
    return stopped;
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region: 'us-east-1',
    accessKeyId: S3RVER_KEY,
    secretAccessKey: S3RVER_KEY,
    directory,
    stop,
  };
}
