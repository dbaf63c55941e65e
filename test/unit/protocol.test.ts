import { expectTypeOf } from 'expect-type';
import type { ChatError, Message, PresenceChangeEvent, PresenceUser, ReactionSummary, Room, SearchOptions, SearchPage } from '../../sdk';
import type { Ack, Author, ClientToServerEvents, ErrorCode, PinnedMessage, Reaction, ReactRequest, ReplyTo, RoomInfo, SendRequest, ServerToClientEvents } from '../../sdk/protocol';

// Type-level tests: `npm test` type-checks this file (tsc), so a drifting contract fails the run.
describe('the wire contract', () => {
  it('types room events from the protocol', () => {
    expectTypeOf<Parameters<Room['on']>[0]>().toEqualTypeOf<'message' | 'update' | 'presence' | 'typing' | 'change' | 'pending' | 'mention'>();
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

  // reactions
  it('pins message:react, its ack and the reactions a message carries', () => {
    expectTypeOf<Parameters<ClientToServerEvents['message:react']>[0]>().toEqualTypeOf<ReactRequest>();
    expectTypeOf<ReactRequest>().toEqualTypeOf<{ roomId: string; seq: number; emoji: string }>();
    expectTypeOf<Parameters<Parameters<ClientToServerEvents['message:react']>[1]>[0]>().toEqualTypeOf<Ack<{ message: Message }>>();
    expectTypeOf<Message['reactions']>().toEqualTypeOf<Reaction[] | undefined>();
    expectTypeOf<Reaction>().toEqualTypeOf<{ emoji: string; count: number; userIds: string[] }>();
    const room = {} as Room;
    expectTypeOf(room.react).parameters.toEqualTypeOf<[number, string]>();
    expectTypeOf(room.react).returns.resolves.toEqualTypeOf<Message>();
    expectTypeOf(room.reactionsOf).returns.toEqualTypeOf<ReactionSummary[]>();
    expectTypeOf(room.hasReacted).returns.toBeBoolean();
    expect(true).toBe(true);
  });

  // pinned messages and search in a room
  it('pins message:pin, room:search, their acks and the pins room info carries', () => {
    expectTypeOf<Parameters<ClientToServerEvents['message:pin']>[0]>().toEqualTypeOf<{ roomId: string; seq: number; pinned: boolean }>();
    expectTypeOf<Parameters<Parameters<ClientToServerEvents['message:pin']>[1]>[0]>().toEqualTypeOf<Ack<{ pinned: PinnedMessage[] }>>();
    expectTypeOf<PinnedMessage>().toEqualTypeOf<{ seq: number; author: Author; excerpt: string; pinnedAt: string; hidden?: true }>();
    expectTypeOf<RoomInfo['pinned']>().toEqualTypeOf<PinnedMessage[] | undefined>();
    expectTypeOf<Parameters<ClientToServerEvents['room:search']>[0]>().toEqualTypeOf<{ roomId: string; query: string; before?: number; limit?: number }>();
    expectTypeOf<Parameters<Parameters<ClientToServerEvents['room:search']>[1]>[0]>().toEqualTypeOf<Ack<{ messages: Message[]; next: number | null }>>();
    const room = {} as Room;
    expectTypeOf(room.pinned).toEqualTypeOf<PinnedMessage[]>();
    expectTypeOf(room.pin).parameters.toEqualTypeOf<[number]>();
    expectTypeOf(room.unpin).returns.resolves.toEqualTypeOf<PinnedMessage[]>();
    expectTypeOf(room.search).parameters.toEqualTypeOf<[string, SearchOptions?]>();
    expectTypeOf(room.search).returns.resolves.toEqualTypeOf<SearchPage>();
    expect(true).toBe(true);
  });

  // replies and mentions
  it('pins replies and mentions on messages, sends and room events', () => {
    expectTypeOf<Message['replyTo']>().toEqualTypeOf<ReplyTo | undefined>();
    expectTypeOf<ReplyTo>().toEqualTypeOf<{ seq: number; author: Author; excerpt: string; deleted?: true; hidden?: true }>();
    expectTypeOf<Message['mentions']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<SendRequest['replyTo']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<SendRequest['mentions']>().toEqualTypeOf<string[] | undefined>();
    const room = {} as Room;
    expectTypeOf(room.mentionsMe).returns.toBeBoolean();
    expectTypeOf(room.mentionCandidates).returns.toEqualTypeOf<PresenceUser[]>();
    expectTypeOf<Parameters<typeof room.on<'mention'>>[1]>().toEqualTypeOf<(message: Message) => void>();
    expect(true).toBe(true);
  });
});
