import type { HttpClient } from './http';
import type { DataExport } from './protocol';

/**
 * Data rights: everything Parley holds about the user, and deleting their account. Loaded only when called (the
 * widget's app downloads it then).
 */
export interface Privacy {
  /** Everything Parley holds about the signed-in user: profile, sessions, messages, reactions, uploads, reports. */
  exportData(): Promise<DataExport>;
  /**
   * Deletes the signed-in user's account (a member gives their password): their messages become tombstones without
   * text or name, their images and sessions are deleted and their name is free again. The client is signed out.
   */
  deleteAccount(password?: string): Promise<void>;
}

export const exportData = (http: HttpClient) => http.request<DataExport>('GET', 'me/export');

export const deleteAccount = (http: HttpClient, password: string | undefined) => http.request<void>('POST', 'me/erase', password === undefined ? {} : { password });
