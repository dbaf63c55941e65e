import sharp from 'sharp';
import type { ImageType } from '../../sdk/protocol';
import { AppError, invalidInput } from '../errors';

/** The longest side of a thumbnail, in pixels. */
export const THUMBNAIL_SIZE = 320;
/** An image may have at most this many pixels (a small file can decode to gigabytes: a "pixel bomb"). */
export const MAX_PIXELS = 40_000_000;

/** What an upload's bytes are, as stored and served: re-encoded without metadata, and its thumbnail. */
export interface ProcessedImage {
  type: ImageType;
  width: number;
  height: number;
  data: Buffer;
  /** WebP, at most THUMBNAIL_SIZE on its longer side. */
  thumbnail: Buffer;
}

/** The type the bytes say they are (their signature), whatever the name or the Content-Type claimed. */
export function typeOf(bytes: Uint8Array): ImageType | undefined {
  const starts = (signature: number[], at = 0) => signature.every((byte, index) => bytes[at + index] === byte);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x47, 0x49, 0x46, 0x38]) && (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61) return 'image/gif';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  return undefined;
}

/**
 * Whether the file ends where its format says the image ends. Bytes after it are how one file is an image and
 * something else at once (a polyglot: an image with an archive or a page appended); such a file is refused, not
 * quietly cut, so nobody keeps a copy of the rest believing it was accepted.
 */
function endsWithImage(type: ImageType, bytes: Buffer): boolean {
  const end = bytes.length;
  switch (type) {
    case 'image/png':
      // the IEND chunk: length 0, type, CRC
      return end >= 12 && bytes.toString('latin1', end - 8, end - 4) === 'IEND';
    case 'image/jpeg':
      return bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9;
    case 'image/gif':
      return bytes[end - 1] === 0x3b;
    case 'image/webp':
      // RIFF's size counts what follows its first 8 bytes; a chunk of odd length is padded to even
      return end >= 12 && bytes.readUInt32LE(4) + 8 === end;
  }
}

const unsupported = () => invalidInput('file', 'the file is not a PNG, JPEG, WebP or GIF image');

/**
 * Checks an upload is a whole image of a supported type and re-encodes it: what is stored keeps the pixels (turned
 * upright by its EXIF orientation) and none of the metadata (EXIF, with a camera's location; XMP; comments). GIFs and
 * WebPs keep their animation. Throws `invalid_input` (field `file`) for anything else, so nothing is stored.
 */
export async function processImage(bytes: Buffer): Promise<ProcessedImage> {
  const type = typeOf(bytes);
  if (!type) throw unsupported();
  if (!endsWithImage(type, bytes)) throw invalidInput('file', 'the file has data after the image (or is cut short)');
  const animated = type === 'image/gif' || type === 'image/webp';
  // failOn 'warning': a truncated or damaged image is refused, not stored half grey
  const input = () => sharp(bytes, { failOn: 'warning', limitInputPixels: MAX_PIXELS, animated });
  try {
    const metadata = await input().metadata();
    if (metadata.format !== type.slice('image/'.length)) throw unsupported();
    const upright = input().rotate();
    const encoded =
      type === 'image/png' ? upright.png() : type === 'image/jpeg' ? upright.jpeg({ quality: 90 }) : type === 'image/webp' ? upright.webp({ quality: 90 }) : upright.gif();
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    // a thumbnail is a still: the first frame
    const thumbnail = await sharp(bytes, { failOn: 'warning', limitInputPixels: MAX_PIXELS })
      .rotate()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
    // an animation's height is its frames' stacked; one frame's is what is shown
    return { type, width: info.width, height: info.pageHeight ?? info.height, data, thumbnail };
  } catch (error) {
    if (error instanceof Error && /pixel limit/i.test(error.message)) throw invalidInput('file', `the image has more than ${MAX_PIXELS / 1e6} million pixels`);
    if (error instanceof AppError) throw error;
    throw invalidInput('file', 'the image is damaged or cut short');
  }
}
