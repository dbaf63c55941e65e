import type { Role } from './protocol';

/** The ranks of a site, lowest first: each may do what the ones below it may. */
export const ROLES = ['guest', 'member', 'moderator', 'admin', 'owner'] as const satisfies readonly Role[];

/** Whether `role` is `least` or above it: `hasRank(user.role, 'moderator')` says who may moderate. */
export const hasRank = (role: Role, least: Role): boolean => ROLES.indexOf(role) >= ROLES.indexOf(least);

/** Whether someone of rank `actor` may act on (mute, ban, change the rank of) someone of rank `target`: only on lower ranks. */
export const outranks = (actor: Role, target: Role): boolean => ROLES.indexOf(actor) > ROLES.indexOf(target);
