import { ChatError, createChatClient, type ChatClient, type Message } from '../../../sdk';
import type { Ack, SendResult } from '../../../sdk/protocol';
import type { Parley } from '../../../server/main';
import { connectAs } from '../../helpers/chat';
import { newAccount, startTestServer } from '../../helpers/server';

let parley: Parley;
const clients: ChatClient[] = [];
beforeAll(async () => {
  parley = await startTestServer();
});
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});
afterAll(() => parley.close());

async function signedIn(prefix = 'user'): Promise<ChatClient> {
  const chat = createChatClient({ baseUrl: parley.url, site: 'demo' });
  clients.push(chat);
  await chat.register(newAccount(prefix));
  return chat;
}

function nextEvent<T>(subscribe: (listener: (value: T) => void) => () => void, matches: (value: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const off = subscribe((value) => {
      if (!matches(value)) return;
      off();
      resolve(value);
    });
  });
}

const storedCount = async (text: string) =>
  (await parley.repositories.messages.before('demo', 'general', undefined, 100)).filter((m) => m.text === text).length;

describe('chat.on(\'user\')', () => {
  it('fires when the socket exists, so a listener can join rooms at once', async () => {
    const chat = createChatClient({ baseUrl: parley.url, site: 'demo' });
    clients.push(chat);
    const joined = new Promise((resolve, reject) =>
      chat.on('user', (user) => {
        if (user) chat.join('general').then(resolve, reject);
      }),
    );
    await chat.register(newAccount('eager'));
    await expect(joined).resolves.toMatchObject({ id: 'general' });
  });
});

describe('room.send(text)', () => {
  it('stores the message, resolves with it, and delivers it live to the other member', async () => {
    const ada = await signedIn('ada');
    const bob = await signedIn('bob');
    const adaRoom = await ada.join('general');
    const bobRoom = await bob.join('general');
    const received = nextEvent<Message>((l) => bobRoom.on('message', l));

    const sent = await adaRoom.send('  hello, Bob  ');
    expect(sent).toMatchObject({ roomId: 'general', text: 'hello, Bob', author: { id: ada.user?.id, displayName: ada.user?.displayName } });
    expect(sent.seq).toBeGreaterThan(0);
    expect(await received).toEqual(sent);
    expect(await storedCount('hello, Bob')).toBe(1);

    const reply = nextEvent<Message>((l) => adaRoom.on('message', l), (m) => m.text === 'hi Ada');
    const answer = await bobRoom.send('hi Ada');
    expect((await reply).seq).toBe(answer.seq);
    expect(answer.seq).toBeGreaterThan(sent.seq);
  });

  it('shows the recent history, oldest first, to a member who joins later', async () => {
    const ada = await signedIn('ada');
    const room = await ada.join('general');
    const first = await room.send('history one');
    const second = await room.send('history two');

    const late = await signedIn('late');
    const lateRoom = await late.join('general');
    const tail = lateRoom.recent.slice(-2);
    expect(tail.map((m) => m.seq)).toEqual([first.seq, second.seq]);
    expect(lateRoom.recent.length).toBeLessThanOrEqual(50);

    const page = await lateRoom.history({ before: second.seq, limit: 1 });
    expect(page).toEqual([first]);
  });

  it.each([
    ['too long', 'x'.repeat(4001), 'message is longer than 4000 characters'],
    ['empty', '   \n ', 'message is empty'],
    ['not a string', 42, 'message must be a string'],
    ['with control characters', 'ding\u0007', 'message contains control characters'],
  ])('refuses a message that is %s with invalid_input and stores nothing', async (_label, text, message) => {
    const ada = await signedIn('ada');
    const room = await ada.join('general');
    const error = await room.send(text as string).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatError);
    expect(error).toMatchObject({ code: 'invalid_input', field: 'text', message });
    if (typeof text === 'string' && text.trim()) expect(await storedCount(text)).toBe(0);
  });

  it('accepts exactly 4000 characters, counted as characters not UTF-16 units', async () => {
    const ada = await signedIn('ada');
    const room = await ada.join('general');
    const text = '😀'.repeat(4000);
    expect((await room.send(text)).text).toBe(text);
  });

  it('returns the stored message when retried with the same clientMsgId', async () => {
    const ada = await signedIn('ada');
    await ada.join('general');
    const socket = await connectAs(parley.url, { username: ada.user!.username, password: 'correct horse battery' });
    try {
      await socket.timeout(5000).emitWithAck('room:join', { roomId: 'general' });
      const request = { roomId: 'general', text: 'only once', clientMsgId: '6f1c2a8e-6d0b-4c2e-9a51-0f7f6e1d2c3b' };
      const first = (await socket.timeout(5000).emitWithAck('message:send', request)) as Ack<SendResult>;
      const retry = (await socket.timeout(5000).emitWithAck('message:send', request)) as Ack<SendResult>;
      expect('ok' in first && 'ok' in retry).toBe(true);
      if ('ok' in first && 'ok' in retry) expect(retry.message).toEqual(first.message);
      expect(await storedCount('only once')).toBe(1);
    } finally {
      socket.disconnect();
    }
  });

  it('refuses to send to a room the socket has not joined, and to an unknown room', async () => {
    const ada = await signedIn('ada');
    await expect(ada.join('no-such-room')).rejects.toMatchObject({ code: 'not_found' });
    await expect(ada.join('Bad Id!')).rejects.toMatchObject({ code: 'invalid_input', field: 'roomId' });
  });

  it('drops a socket that sends a payload over 16 KB, stores nothing, and the others chat on', async () => {
    const ada = await signedIn('ada');
    const adaRoom = await ada.join('general');
    const bob = await signedIn('bob');
    const bobRoom = await bob.join('general');
    const heard = nextEvent<Message>((listener) => bobRoom.on('message', listener), (m) => m.text === 'still talking');

    const socket = await connectAs(parley.url, { username: ada.user!.username, password: 'correct horse battery' }, { reconnection: false });
    try {
      await socket.timeout(5000).emitWithAck('room:join', { roomId: 'general' });
      const closed = new Promise<string>((resolve) => socket.on('disconnect', (reason) => resolve(reason)));
      const huge = 'x'.repeat(17 * 1024);
      socket.emit('message:send', { roomId: 'general', text: huge, clientMsgId: '0c6b1b8e-2f4e-4b7a-9d0e-1a2b3c4d5e6f' }, () => undefined);
      expect(await closed).toBe('transport close');
      expect(await storedCount(huge)).toBe(0);
    } finally {
      socket.disconnect();
    }
    await adaRoom.send('still talking');
    expect((await heard).author.id).toBe(ada.user?.id);
  });
});
