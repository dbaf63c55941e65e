import type { HttpClient } from '../http';
import type { MuteResponse } from '../protocol';

/** Admins: the user cannot send in the room for `durationMs`. */
export async function muteUser(http: HttpClient, roomId: string, userId: string, durationMs: number): Promise<MuteResponse['mute']> {
  const { mute } = await http.request<MuteResponse>('POST', `rooms/${encodeURIComponent(roomId)}/mutes`, { userId, durationMs });
  return mute;
}

/** Admins: lifts a mute. */
export async function unmuteUser(http: HttpClient, roomId: string, userId: string): Promise<void> {
  await http.request<void>('DELETE', `rooms/${encodeURIComponent(roomId)}/mutes/${encodeURIComponent(userId)}`);
}
