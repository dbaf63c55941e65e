import { DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';

/**
 * Where uploads keep their bytes when STORAGE_URL names an S3-compatible service (AWS S3, MinIO, Cloudflare R2,
 * Backblaze B2…) instead of the database. Keys are the upload's id and `<id>/thumbnail`, under the URL's prefix.
 */
export interface ObjectStore {
  /** The endpoint and bucket, for logs (never the credentials). */
  readonly description: string;
  put(key: string, body: Buffer, type: string): Promise<void>;
  /** The object's bytes; undefined when there is no such object. */
  get(key: string): Promise<Buffer | undefined>;
  /** Deletes the objects; keys with no object are fine. */
  remove(keys: readonly string[]): Promise<void>;
  /** Fails, saying why, when the bucket cannot be reached with these credentials (checked at start-up). */
  check(): Promise<void>;
  close(): void;
}

export interface StorageLocation {
  /** `https://host[:port]`, or `http://` for `s3+http://`. */
  endpoint: string;
  bucket: string;
  /** Keys start with it: '' or `folder/`. */
  prefix: string;
  region: string;
  /** From the URL; else the SDK's usual sources (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a role…). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

// what the SDK's defaults would add since early 2025: checksums some S3-compatible services refuse. Asked for only
// where S3 requires them, as those services expect
const COMPATIBLE_CHECKSUMS = { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } as const;
// an object is deleted per request of at most this many keys (S3's limit)
const DELETE_BATCH = 1000;

/**
 * Reads STORAGE_URL: `s3://ACCESS_KEY:SECRET@host[:port]/bucket[/prefix][?region=…]` (HTTPS), or `s3+http://…` for
 * a service on plain HTTP (a MinIO on the same host). The key and secret are URL-encoded; without them the SDK finds
 * credentials where it usually does. Throws, saying what is wrong.
 */
export function parseStorageUrl(value: string): StorageLocation {
  if (!URL.canParse(value)) throw new Error('is not a URL (s3://KEY:SECRET@host/bucket)');
  const url = new URL(value);
  if (url.protocol !== 's3:' && url.protocol !== 's3+http:') throw new Error('must start with s3:// or s3+http://');
  if (!url.hostname) throw new Error('names no host (s3://KEY:SECRET@host/bucket)');
  const [bucket = '', ...folders] = url.pathname.split('/').filter(Boolean);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error('names no valid bucket after the host (s3://KEY:SECRET@host/bucket)');
  if (!!url.username !== !!url.password) throw new Error('gives a key without a secret, or a secret without a key');
  return {
    endpoint: `${url.protocol === 's3+http:' ? 'http' : 'https'}://${url.host}`,
    bucket,
    prefix: folders.map((folder) => `${decodeURIComponent(folder)}/`).join(''),
    region: url.searchParams.get('region') ?? 'us-east-1',
    ...(url.username ? { credentials: { accessKeyId: decodeURIComponent(url.username), secretAccessKey: decodeURIComponent(url.password) } } : {}),
  };
}

/** An S3-compatible bucket through the official SDK, addressed by path (what every compatible service serves). */
export function s3ObjectStore(location: StorageLocation): ObjectStore {
  const { endpoint, bucket, prefix, region, credentials } = location;
  const client = new S3Client({ endpoint, region, forcePathStyle: true, ...(credentials ? { credentials } : {}), ...COMPATIBLE_CHECKSUMS });
  const Key = (key: string) => prefix + key;
  return {
    description: `${endpoint}/${bucket}/${prefix}`,
    async put(key, body, type) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: Key(key), Body: body, ContentType: type }));
    },
    async get(key) {
      try {
        const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: Key(key) }));
        return Body ? Buffer.from(await Body.transformToByteArray()) : undefined;
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
      }
    },
    async remove(keys) {
      for (let start = 0; start < keys.length; start += DELETE_BATCH) {
        const Objects = keys.slice(start, start + DELETE_BATCH).map((key) => ({ Key: Key(key) }));
        const { Errors = [] } = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects, Quiet: true } }));
        if (Errors.length > 0) throw new Error(`the storage kept ${Errors.length} objects: ${Errors[0]?.Code ?? ''} ${Errors[0]?.Message ?? ''}`);
      }
    },
    async check() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (error) {
        const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
        const why = status === 404 ? 'there is no such bucket' : status === 403 ? 'the credentials may not use it' : String(error);
        throw new Error(`STORAGE_URL: the bucket ${bucket} at ${endpoint} cannot be used: ${why}`);
      }
    },
    close: () => client.destroy(),
  };
}
