import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { projectRoot } from '../../server/paths';

const PROJECT_DIR = projectRoot();

/** A real S3-compatible server (moto, installed by scripts/install-moto.sh) on loopback, with one bucket. */
export interface S3Server {
  /** STORAGE_URL for its bucket (under `prefix/` when one is given). */
  storageUrl(prefix?: string): string;
  /** The keys in the bucket, sorted. */
  keys(): Promise<string[]>;
  close(): Promise<void>;
}

const ACCESS_KEY = 'parley-test';
const SECRET = 'parley-test-secret';

export async function startS3Server(bucket = 'parley-uploads'): Promise<S3Server> {
  const { stdout } = await promisify(execFile)('bash', [path.join(PROJECT_DIR, 'scripts', 'install-moto.sh')], { maxBuffer: 16 * 1024 * 1024 });
  const python = stdout.trim().split('\n').at(-1)!;
  const child = spawn(python, [path.join(PROJECT_DIR, 'test', 'helpers', 's3-server.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve(Number(line)));
    child.once('exit', (code) => reject(new Error(`the S3 server exited (${code}) before it listened`)));
  });
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    storageUrl: (prefix) => `s3+http://${ACCESS_KEY}:${SECRET}@127.0.0.1:${port}/${bucket}${prefix ? `/${prefix}` : ''}`,
    async keys() {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((object) => object.Key!));
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    async close() {
      client.destroy();
      child.stdin.end();
      await exited;
    },
  };
}
