import type { HttpClient } from './http';
import type { Attachment, UploadResponse } from './protocol';

/** Which bytes of an image: as uploaded (without its metadata), or the WebP thumbnail (at most 320 px). */
export type AttachmentVariant = 'original' | 'thumbnail';

/**
 * Images: upload one, then send its id with a message (`room.send(text, { attachments: [upload] })`) within an hour.
 * The server checks the type by content (PNG, JPEG, WebP, GIF), strips metadata and refuses files over the site's
 * limit (`invalid_input`, field `file`); uploads per user are limited (`rate_limited`).
 */
export interface Uploads {
  /** Uploads an image (a File or Blob in browsers; bytes anywhere) and resolves with it, ready to attach. */
  upload(file: Blob | ArrayBuffer | Uint8Array, name?: string): Promise<Attachment>;
  /**
   * The image's address. Pages of the Parley server (cookie sessions) can put it in `<img src>`; with a bearer
   * token, use `download` instead: an `<img>` cannot send the token.
   */
  attachmentUrl(attachment: Pick<Attachment, 'id'>, variant?: AttachmentVariant): string;
  /** The image's bytes, sent with the session (any session mode): e.g. for `URL.createObjectURL`. */
  download(attachment: Pick<Attachment, 'id'>, variant?: AttachmentVariant): Promise<Blob>;
}

/** `uploads/<id>` or `uploads/<id>/thumbnail`, under the site's API root. */
export const uploadPath = (attachment: Pick<Attachment, 'id'>, variant?: AttachmentVariant) =>
  `uploads/${encodeURIComponent(attachment.id)}${variant === 'thumbnail' ? '/thumbnail' : ''}`;

export async function upload(http: HttpClient, file: Blob | ArrayBuffer | Uint8Array, name = (file as Partial<File>).name): Promise<Attachment> {
  const response = await http.raw('POST', `uploads${name ? `?name=${encodeURIComponent(name)}` : ''}`, file);
  return ((await response.json()) as UploadResponse).upload;
}
