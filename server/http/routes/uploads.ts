import type Router from '@koa/router';
import getRawBody from 'raw-body';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimits } from '../../config';
import type { Repositories } from '../../db';
import { settingsOf } from '../../db/sites';
import { presentAttachment, type UploadDocument } from '../../db/uploads';
import { forbidden, invalidInput, notFound, rateLimited, unavailable } from '../../errors';
import type { LimitName } from '../../metrics';
import { mayRead, type SiteSettingsCache } from '../../moderation/site-settings';
import type { RedisClient } from '../../redis';
import { sharedLimiter } from '../../hub/send-limit';
import { processImage } from '../../uploads/images';
import { OBJECT_ID_PATTERN, withoutControls } from '../../validation';
import type { UploadResponse } from '../../../sdk/protocol';
import { createRouter } from '../router';
import { type ApiState, requireUser } from '../require-user';

const MB = 1024 * 1024;
/** Images this node re-encodes at once; more wait their turn (each takes a core for up to a second). */
const PROCESSING_AT_ONCE = 2;
/** Uploads that may wait for their turn on this node; past that, `unavailable` (the client retries). */
const PROCESSING_QUEUE = 16;
/** A file name is kept to this many characters. */
const NAME_LENGTH = 100;

export interface UploadRoutesOptions {
  repositories: Repositories;
  siteSettings: SiteSettingsCache;
  limits: Pick<RateLimits, 'uploadsPerUser' | 'uploadMegabytesPerUser'>;
  redis?: RedisClient | undefined;
  onRefused?: (limit: LimitName) => void;
}

/** The name an upload keeps: the last part of a path, without control characters, at most 100 characters. */
export function fileNameOf(raw: unknown): string {
  const base = (typeof raw === 'string' ? raw : '').split(/[\\/]/).pop() ?? '';
  const clean = [...withoutControls(base.normalize('NFC')).trim()]
    .slice(0, NAME_LENGTH)
    .join('');
  return clean.isWellFormed() && clean !== '' ? clean : 'image';
}

/** A header parameter's value in RFC 5987's encoding: encodeURIComponent leaves ' ( ) * as they are, which it may not. */
const rfc5987 = (value: string) => encodeURIComponent(value).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

/** Runs at most `size` tasks at once; refuses when `queue` more already wait. */
function gate(size: number, queue: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= size) {
      if (waiting.length >= queue) throw unavailable('too many images are being processed; try again in a moment');
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else running += 1;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}

/**
 * Images: a signed-in user uploads one (the raw body), then attaches its id to a message (message:send). The bytes
 * are served to signed-in users who may read the room of its message, and to the uploader before that; as
 * attachments (a sandbox CSP, nosniff), never as a page of ours.
 */
export function uploadRoutes({ repositories, siteSettings, limits, redis, onRefused = () => undefined }: UploadRoutesOptions): Router<ApiState> {
  const { uploads, users, rooms } = repositories;
  const router = createRouter<ApiState>('/api/sites/:siteId/uploads');
  const signedIn = requireUser(users);
  const count = sharedLimiter('uploads', limits.uploadsPerUser, redis);
  const megabytes = sharedLimiter('upload_mb', limits.uploadMegabytesPerUser, redis);
  const processing = gate(PROCESSING_AT_ONCE, PROCESSING_QUEUE);

  const take = async (limiter: typeof count, key: string, points: number) => {
    try {
      await limiter.consume(key, points);
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        onRefused('uploads');
        throw rateLimited('uploads', error.msBeforeNext);
      }
      throw unavailable('unable to check the limit on uploads; try again');
    }
  };

  router.post('/', signedIn, async (ctx) => {
    const { site, user } = ctx.state;
    const maxMB = settingsOf(site).uploadMaxMB;
    if (maxMB === 0) throw forbidden('this site takes no images');
    const maxBytes = maxMB * MB;
    const tooLarge = () => invalidInput('file', `the file is larger than ${maxMB} MB`);
    const declared = Number(ctx.get('content-length') || NaN);
    if (declared > maxBytes) throw tooLarge();
    const key = `${site._id}/${user._id.toHexString()}`;
    await take(count, key, 1);
    let bytes: Buffer;
    try {
      bytes = await getRawBody(ctx.req, { limit: maxBytes, ...(Number.isFinite(declared) ? { length: declared } : {}) });
    } catch (error) {
      const type = (error as { type?: unknown }).type;
      if (type === 'entity.too.large') throw tooLarge();
      throw invalidInput('file', 'the file did not arrive whole; send it again');
    }
    if (bytes.length === 0) throw invalidInput('file', 'the file is empty');
    // the day's megabytes, rounded up: a quota on what is stored, whatever the number of files
    await take(megabytes, key, Math.ceil(bytes.length / MB));
    const image = await processing(() => processImage(bytes));
    const upload = await uploads.create(
      { siteId: site._id, userId: user._id.toHexString(), name: fileNameOf(ctx.query.name), type: image.type, width: image.width, height: image.height },
      image.data,
      image.thumbnail,
    );
    ctx.status = 201;
    ctx.body = { upload: presentAttachment(upload) } satisfies UploadResponse;
  });

  /** The upload, when this user may see it: theirs, or in a room they may read; else not found (never "forbidden"). */
  async function visible(ctx: Parameters<Parameters<typeof router.get>[1]>[0]): Promise<UploadDocument> {
    const { site, user } = ctx.state;
    const id = ctx.params.id ?? '';
    const upload = OBJECT_ID_PATTERN.test(id) ? await uploads.find(site._id, id) : null;
    if (!upload) throw notFound('upload');
    if (upload.userId === user._id.toHexString()) return upload;
    if (upload.seq === undefined && upload.roomId === undefined) throw notFound('upload');
    const room = upload.roomId === undefined ? null : await rooms.find(site._id, upload.roomId);
    if (!room || !mayRead(room.access ?? (await siteSettings.get(site._id)).access, user.role)) throw notFound('upload');
    return upload;
  }

  const serve = (variant: 'original' | 'thumbnail') =>
    async function (ctx: Parameters<Parameters<typeof router.get>[1]>[0]) {
      const upload = await visible(ctx);
      // an upload never changes: its id and variant are its version
      ctx.set('Cache-Control', 'private, max-age=86400');
      ctx.etag = `${upload._id}-${variant}`;
      ctx.status = 200; // what `fresh` compares with
      if (ctx.fresh) {
        ctx.status = 304;
        return;
      }
      const bytes = await uploads.read(upload, variant);
      if (!bytes) throw notFound('upload');
      ctx.type = variant === 'thumbnail' ? 'image/webp' : upload.type;
      // opened on its own (a new tab), it is an image in a sandbox, never a page that runs anything
      ctx.set('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox");
      ctx.set('Content-Disposition', `inline; filename*=UTF-8''${rfc5987(upload.name)}`);
      ctx.body = bytes;
    };

  router.get('/:id', signedIn, serve('original'));
  router.get('/:id/thumbnail', signedIn, serve('thumbnail'));
  return router;
}
