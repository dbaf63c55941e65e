import { randomBytes } from 'node:crypto';
import { Binary, type Collection, type Db } from 'mongodb';
import type { Attachment, ImageType } from '../../sdk/protocol';
import type { ObjectStore } from '../uploads/object-store';

/** The bytes of one chunk document: under MongoDB's 16 MB document limit by far, and a few reads per image. */
export const CHUNK_BYTES = 255 * 1024;
/** How long an upload may wait for its message before the sweep deletes it. */
export const UNATTACHED_TTL_MS = 60 * 60 * 1000;

/**
 * An uploaded image's record. Its bytes are in `upload_chunks`, as `<id>:<n>` (n from 0) and the thumbnail as
 * `<id>:t`: every read names its documents by `_id`, the lookups the embedded database serves from an index
 * (docs/decisions.md, "Uploads in chunk documents keyed by `_id`"). With STORAGE_URL they are objects `<id>` and
 * `<id>/thumbnail` in an S3-compatible bucket instead (`storage: 's3'`, no chunks).
 */
export interface UploadDocument {
  _id: string;
  siteId: string;
  /** The uploader. */
  userId: string;
  name: string;
  type: ImageType;
  size: number;
  width: number;
  height: number;
  chunks: number;
  /** Where the bytes are: absent, in `upload_chunks`; 's3', in the bucket of STORAGE_URL. */
  storage?: 's3';
  createdAt: Date;
  /** Claimed by a send: `<room>:<clientMsgId>`, so a retry of that send may claim it again and no other can. */
  claimedBy?: string;
  /** The room of the message it was sent with (who may see it follows the room's access). */
  roomId?: string;
  /** The message it was sent with, once stored. */
  seq?: number;
}

interface ChunkDocument {
  _id: string;
  data: Binary;
}

export const presentAttachment = (upload: Pick<UploadDocument, '_id' | 'name' | 'type' | 'size' | 'width' | 'height'>): Attachment => ({
  id: upload._id,
  name: upload.name,
  type: upload.type,
  size: upload.size,
  width: upload.width,
  height: upload.height,
});

const chunkIds = (upload: Pick<UploadDocument, '_id' | 'chunks'>) => Array.from({ length: upload.chunks }, (_, n) => `${upload._id}:${n}`);

/** What a claim came to: the uploads, in the order asked, or why one cannot be attached. */
export type Claimed = { uploads: UploadDocument[] } | { refused: 'not_found' | 'taken' };

const thumbnailKey = (id: string) => `${id}/thumbnail`;

/**
 * Uploaded images: their records in the site's database, and their bytes there too (no other service to run), or in
 * an S3-compatible bucket when one is given (STORAGE_URL). Uploads stored before a bucket was set stay readable.
 */
export class UploadsRepository {
  private readonly uploads: Collection<UploadDocument>;
  private readonly chunks: Collection<ChunkDocument>;

  constructor(
    db: Db,
    private readonly objects?: ObjectStore,
  ) {
    this.uploads = db.collection<UploadDocument>('uploads');
    this.chunks = db.collection<ChunkDocument>('upload_chunks');
  }

  /** The bucket an upload's bytes are in; throws when that is a bucket this node was not given. */
  private bucketOf(upload: Pick<UploadDocument, '_id'>): ObjectStore {
    if (!this.objects) throw new Error(`upload ${upload._id} is in S3-compatible storage, but STORAGE_URL is not set`);
    return this.objects;
  }

  /** Stores an image: its bytes and thumbnail first, its record last, so a record always has its bytes. */
  async create(upload: Omit<UploadDocument, '_id' | 'chunks' | 'size' | 'createdAt'>, data: Buffer, thumbnail: Buffer): Promise<UploadDocument> {
    // random, not an ObjectId: an id names the image to whoever may see it, and none can be guessed from another
    const _id = randomBytes(12).toString('hex');
    if (this.objects) {
      await Promise.all([this.objects.put(_id, data, upload.type), this.objects.put(thumbnailKey(_id), thumbnail, 'image/webp')]);
      const document: UploadDocument = { ...upload, _id, chunks: 0, storage: 's3', size: data.length, createdAt: new Date() };
      await this.uploads.insertOne(document);
      return document;
    }
    const chunks = Math.max(1, Math.ceil(data.length / CHUNK_BYTES));
    const documents: ChunkDocument[] = Array.from({ length: chunks }, (_, n) => ({ _id: `${_id}:${n}`, data: new Binary(data.subarray(n * CHUNK_BYTES, (n + 1) * CHUNK_BYTES)) }));
    documents.push({ _id: `${_id}:t`, data: new Binary(thumbnail) });
    await this.chunks.insertMany(documents, { ordered: false });
    const document: UploadDocument = { ...upload, _id, chunks, size: data.length, createdAt: new Date() };
    await this.uploads.insertOne(document);
    return document;
  }

  async find(siteId: string, id: string): Promise<UploadDocument | null> {
    const upload = await this.uploads.findOne({ _id: id });
    return upload?.siteId === siteId ? upload : null;
  }

  /** The image's bytes, or its thumbnail's; undefined when a chunk is gone (deleted meanwhile). */
  async read(upload: UploadDocument, variant: 'original' | 'thumbnail'): Promise<Buffer | undefined> {
    if (upload.storage === 's3') return this.bucketOf(upload).get(variant === 'thumbnail' ? thumbnailKey(upload._id) : upload._id);
    const ids = variant === 'thumbnail' ? [`${upload._id}:t`] : chunkIds(upload);
    const found = new Map((await this.chunks.find({ _id: { $in: ids } }).toArray()).map((chunk) => [chunk._id, chunk.data.buffer]));
    if (found.size !== ids.length) return undefined;
    return Buffer.concat(ids.map((id) => found.get(id)!));
  }

  /**
   * Claims the sender's uploads for one send (`<room>:<clientMsgId>`): each must be theirs, in this site, and not
   * claimed by another send. One conditional update per upload, by `_id`, answering the upload: of two sends naming
   * one upload, one wins.
   * A refusal gives back what this call claimed.
   */
  async claim(siteId: string, userId: string, ids: readonly string[], claimedBy: string, roomId: string): Promise<Claimed> {
    const claimed: UploadDocument[] = [];
    for (const id of ids) {
      const upload = await this.uploads.findOneAndUpdate(
        { _id: id, siteId, userId, $or: [{ claimedBy: { $exists: false } }, { claimedBy }] },
        { $set: { claimedBy, roomId } },
        { returnDocument: 'after' },
      );
      if (upload) {
        claimed.push(upload);
        continue;
      }
      await this.release(claimed.map((each) => each._id), claimedBy);
      const found = await this.find(siteId, id);
      return { refused: found && found.userId === userId ? 'taken' : 'not_found' };
    }
    return { uploads: claimed };
  }

  /** Gives claimed uploads back (the send was not stored). */
  async release(ids: readonly string[], claimedBy: string): Promise<void> {
    if (ids.length > 0) await this.uploads.updateMany({ _id: { $in: [...ids] }, claimedBy }, { $unset: { claimedBy: '', roomId: '' } });
  }

  /** Notes the stored message's seq on its uploads. */
  async attached(ids: readonly string[], seq: number): Promise<void> {
    if (ids.length > 0) await this.uploads.updateMany({ _id: { $in: [...ids] } }, { $set: { seq } });
  }

  /** Deletes uploads and their bytes (a deleted message's); the record first, so nothing serves a half-deleted file. */
  async remove(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const uploads = await this.uploads.find({ _id: { $in: [...ids] } }, { projection: { _id: 1, chunks: 1, storage: 1 } }).toArray();
    const { deletedCount } = await this.uploads.deleteMany({ _id: { $in: uploads.map((upload) => upload._id) } });
    const [inBucket, inDatabase] = [uploads.filter((upload) => upload.storage === 's3'), uploads.filter((upload) => upload.storage !== 's3')];
    const chunks = inDatabase.flatMap((upload) => [...chunkIds(upload), `${upload._id}:t`]);
    if (chunks.length > 0) await this.chunks.deleteMany({ _id: { $in: chunks } });
    if (inBucket.length > 0) await this.bucketOf(inBucket[0]!).remove(inBucket.flatMap((upload) => [upload._id, thumbnailKey(upload._id)]));
    return deletedCount;
  }

  /**
   * Uploads older than `before` that no stored message holds: never claimed, or claimed by a send whose message
   * was never stored (`isStored` says, by the claim).
   */
  async unattached(before: Date, isStored: (upload: UploadDocument) => Promise<boolean>, limit = 500): Promise<string[]> {
    const old = await this.uploads.find({ createdAt: { $lt: before }, seq: { $exists: false } }).limit(limit).toArray();
    const orphans: string[] = [];
    for (const upload of old) if (!upload.claimedBy || !(await isStored(upload))) orphans.push(upload._id);
    return orphans;
  }

  /** How many upload records and chunk documents are stored (tests, operators). */
  async count(): Promise<[number, number]> {
    return Promise.all([this.uploads.countDocuments(), this.chunks.countDocuments()]);
  }

  /** Every upload of a site (the site is deleted). */
  /** The user's uploads on the site (a data export, an erasure: rare; a scan on the embedded database). */
  ofUser(siteId: string, userId: string): Promise<UploadDocument[]> {
    return this.uploads.find({ siteId, userId }).sort({ createdAt: 1 }).toArray();
  }

  async deleteBySite(siteId: string): Promise<void> {
    for (;;) {
      const ids = (await this.uploads.find({ siteId }, { projection: { _id: 1 } }).limit(500).toArray()).map((upload) => upload._id);
      if (ids.length === 0) return;
      await this.remove(ids);
    }
  }
}
