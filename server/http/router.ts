import Router from '@koa/router';
import type Koa from 'koa';

/**
 * Every router of the app: paths match exactly as written, case included. The guards in app.ts (the session, the
 * site scope with its origin and CSRF checks) look at paths as written too; a router that also answered
 * `/API/…` would reach a handler past all of them.
 */
export function createRouter<State = Koa.DefaultState>(prefix?: string): Router<State> {
  return new Router<State>({ sensitive: true, ...(prefix === undefined ? {} : { prefix }) });
}
