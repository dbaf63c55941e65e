import type Router from '@koa/router';
import type { SiteActivityResponse } from '../../../sdk/protocol';
import type { Repositories } from '../../db';
import { dayOf, type SiteActivity } from '../../hub/activity';
import { createRouter } from '../router';
import { type ApiState, requireModerator } from '../require-user';

/** How many days the Overview shows, today included. */
export const ACTIVITY_DAYS = 30;
const TOP_ROOMS = 5;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface SiteActivityRoutesOptions {
  repositories: Repositories;
  activity: SiteActivity;
  onlineCount: (siteId: string) => Promise<number>;
}

/** Moderators and up: who is online now, and the last 30 days of messages and active users, for the console's Overview. */
export function siteActivityRoutes({ repositories, activity, onlineCount }: SiteActivityRoutesOptions): Router<ApiState> {
  const router = createRouter<ApiState>('/api/sites/:siteId');

  router.get('/activity', requireModerator(repositories.users), async (ctx) => {
    const { site } = ctx.state;
    // what this node counted so far is in the answer; other nodes' within their flush interval
    await activity.flush();
    const today = Date.now();
    const days = Array.from({ length: ACTIVITY_DAYS }, (_, index) => dayOf(new Date(today - (ACTIVITY_DAYS - 1 - index) * DAY_MS)));
    const [stored, online, rooms] = await Promise.all([repositories.activity.find(site._id, days), onlineCount(site._id), repositories.rooms.list(site._id)]);
    const byDay = new Map(stored.map((document) => [document.day, document]));
    const perRoom = new Map<string, number>();
    for (const document of stored) for (const [roomId, count] of Object.entries(document.rooms ?? {})) perRoom.set(roomId, (perRoom.get(roomId) ?? 0) + count);
    const names = new Map(rooms.map((room) => [room.roomId, room.name]));
    ctx.body = {
      activity: {
        online,
        days: days.map((day) => ({ day, messages: byDay.get(day)?.messages ?? 0, activeUsers: byDay.get(day)?.authors.length ?? 0 })),
        topRooms: [...perRoom]
          .filter(([roomId]) => names.has(roomId))
          .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
          .slice(0, TOP_ROOMS)
          .map(([roomId, messages]) => ({ roomId, name: names.get(roomId) ?? roomId, messages })),
      },
    } satisfies SiteActivityResponse;
  });

  return router;
}
