import { expectTypeOf } from 'expect-type';
import type { z } from 'zod';
import type {
  ErrorCode,
  ErrorResponse,
  MeResponse,
  ModerationLogResponse,
  MuteResponse,
  RoomResponse,
  RoomsResponse,
  SessionResponse,
  User,
} from '../../sdk/protocol';
import {
  errorCodeSchema,
  errorResponseSchema,
  meResponseSchema,
  moderationLogResponseSchema,
  muteResponseSchema,
  roomResponseSchema,
  roomsResponseSchema,
  sessionResponseSchema,
  userSchema,
} from '../../server/http/api-schemas';

// `satisfies` in api-schemas.ts catches a schema missing a field; equality here also catches one the protocol lost
describe('the response schemas of the OpenAPI document', () => {
  it('describe exactly the wire types of sdk/protocol.ts', () => {
    expectTypeOf<z.output<typeof errorCodeSchema>>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<z.output<typeof userSchema>>().toEqualTypeOf<User>();
    expectTypeOf<z.output<typeof sessionResponseSchema>>().toEqualTypeOf<SessionResponse>();
    expectTypeOf<z.output<typeof meResponseSchema>>().toEqualTypeOf<MeResponse>();
    expectTypeOf<z.output<typeof errorResponseSchema>>().toEqualTypeOf<ErrorResponse>();
    expectTypeOf<z.output<typeof roomsResponseSchema>>().toEqualTypeOf<RoomsResponse>();
    expectTypeOf<z.output<typeof roomResponseSchema>>().toEqualTypeOf<RoomResponse>();
    expectTypeOf<z.output<typeof muteResponseSchema>>().toEqualTypeOf<MuteResponse>();
    expectTypeOf<z.output<typeof moderationLogResponseSchema>>().toEqualTypeOf<ModerationLogResponse>();
    expect(true).toBe(true);
  });
});
