import type { HttpClient } from './http';
import type { EmailSettings, EmailSettingsResponse } from './protocol';

/**
 * Email for when the user is away: with an address and digests on, a user mentioned or replied to while no chat of
 * theirs is open gets one email after a quiet period. Members add an address here (confirmed by a link sent to it);
 * identified users bring theirs in the site's token (`email`). Guests get none.
 */
export interface Email {
  /** The user's address, a pending one, their switch, and whether the site sends email at all (`available`). */
  emailSettings(): Promise<EmailSettings>;
  /**
   * Members: sends a confirmation link to `address` (`rate_limited` past a few an hour); it is used once its owner
   * follows the link. The client's `page` and `locale` options go with it (the digests' link back and language).
   */
  setEmail(address: string): Promise<EmailSettings>;
  /** The user's own switch for digests (also turned off by an email's unsubscribe link). */
  setEmailNotifications(notify: boolean): Promise<EmailSettings>;
  /** Forgets the member's address, confirmed or pending. */
  removeEmail(): Promise<EmailSettings>;
}

const settingsOf = async (answer: Promise<EmailSettingsResponse>) => (await answer).email;

/** The Email calls over the site's HTTP API. */
export const emailCalls = (http: HttpClient, where: { page?: string | undefined; locale?: string | undefined }): Email => ({
  emailSettings: () => settingsOf(http.request('GET', 'me/email')),
  setEmail: (address) => settingsOf(http.request('PUT', 'me/email', { address, ...where })),
  setEmailNotifications: (notify) => settingsOf(http.request('PATCH', 'me/email', { notify })),
  removeEmail: () => settingsOf(http.request('DELETE', 'me/email')),
});
