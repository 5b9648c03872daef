import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO_ROOT, sleep } from './cli-process.js';
import { skipUnlessAvailable } from './services-required.js';

/**
 * A private S3-compatible server (s3rver, a devDependency: `npm ci` brings it on every machine) in its own
 * process on a spare port, with its own directory and one bucket. It checks request signatures, presigned
 * ones included, with its fixed credentials S3RVER/S3RVER (docs/adr/0034-blob-storage.md).
 */
export interface OwnS3 {
  /** A BLOB_URL for the bucket. */
  url: string;
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
}

const BIN = join(REPO_ROOT, 'node_modules', 's3rver', 'bin', 's3rver.js');

/** The credentials s3rver accepts; set them as the AWS SDK's standard variables before opening a store. */
export const S3RVER_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' } as const;

/** node:test options: `{ skip }` when s3rver is not installed (a failure under CI/REQUIRE_SERVICES). */
export function ownS3Options(): { skip?: string } {
  return skipUnlessAvailable(existsSync(BIN) ? null : 's3rver is not installed (npm ci installs it as a devDependency)');
}

export async function startOwnS3(bucket = 'scalestack-test'): Promise<OwnS3> {
  for (const [name, value] of Object.entries(S3RVER_ENV)) process.env[name] = value;
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'scalestack-s3rver-'));
  const child: ChildProcess = spawn(
    process.execPath,
    // s3rver's ListObjectsV2 continuation tokens use DES, which OpenSSL 3 keeps in its legacy provider.
    ['--openssl-legacy-provider', BIN, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--silent', '--no-vhost-buckets', '--configure-bucket', bucket],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`s3rver did not listen on ${port}`);
    }
    await sleep(50);
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    url: `s3://${bucket}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1`,
    endpoint,
    bucket,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
