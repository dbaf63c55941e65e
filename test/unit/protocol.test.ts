import { expectTypeOf } from 'expect-type';
import type { ChatError, Message, PresenceChangeEvent, PresenceUser, Room } from '../../sdk';
import type { Ack, ClientToServerEvents, ErrorCode, ServerToClientEvents } from '../../sdk/protocol';

// Type-level tests: `npm test` type-checks this file (tsc), so a drifting contract fails the run.
describe('the wire contract', () => {
  it('types room events from the protocol', () => {
    expectTypeOf<Parameters<Room['on']>[0]>().toEqualTypeOf<'message' | 'update' | 'presence' | 'typing' | 'change' | 'pending'>();
    const room = {} as Room;
    expectTypeOf(room.send).returns.resolves.toEqualTypeOf<Message>();
    expectTypeOf<Message['seq']>().toBeNumber();
    type Listener<K extends Parameters<Room['on']>[0]> = Parameters<typeof room.on<K>>[1];
    expectTypeOf<Parameters<Listener<'update'>>[0]['deletedAt']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Parameters<Listener<'presence'>>>().toEqualTypeOf<[PresenceUser[], PresenceChangeEvent]>();
    // @ts-expect-error: unknown events do not compile
    void (() => room.on('nope', () => undefined));
    expect(true).toBe(true);
  });

  it('pins ChatError codes to the documented union', () => {
    expectTypeOf<ChatError['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<ErrorCode>().toEqualTypeOf<
      'invalid_input' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'rate_limited' | 'unavailable' | 'network' | 'internal'
    >();
    expect(true).toBe(true);
  });

  it('gives every ack the same shape', () => {
    type SendAck = Parameters<Parameters<ClientToServerEvents['message:send']>[1]>[0];
    expectTypeOf<SendAck>().toEqualTypeOf<Ack<{ message: Message }>>();
    expectTypeOf<Parameters<ServerToClientEvents['message:new']>[0]>().toEqualTypeOf<Message>();
    expect(true).toBe(true);
  });
});
