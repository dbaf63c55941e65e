import {
  type ChatClient,
  ChatError,
  type ConnectionStatus,
  type IdentifyRequest,
  type LoginRequest,
  type Message,
  type PresenceUser,
  type RegisterRequest,
  type Room,
  type User,
} from '../../sdk';

export type View = 'starting' | 'unreachable' | 'auth' | 'room';

export interface ChatState {
  view: View;
  user: User | null;
  status: ConnectionStatus;
  /** Online at least once this session: a drop reads "Reconnecting…", the first connect "Connecting…". */
  wasOnline: boolean;
  /** The joined room, or null while joining or after a failed join. */
  room: { id: string; name: string } | null;
  /** Oldest first, one entry per seq. */
  messages: readonly Message[];
  online: readonly PresenceUser[];
  /** Others typing in the room now. */
  typing: readonly PresenceUser[];
  /** A failure not tied to a form: the server is unreachable, the join failed, the session ended. */
  notice: string | null;
}

export interface ChatStore {
  getState(): ChatState;
  subscribe(listener: () => void): () => void;
  /** Restores the stored session, if any. */
  start(): Promise<void>;
  /** Signs in the site's own user (identity verification); falls back to the forms when refused. */
  identify(identity: IdentifyRequest): Promise<void>;
  login(input: LoginRequest): Promise<void>;
  register(input: RegisterRequest): Promise<void>;
  logout(): Promise<void>;
  send(text: string): Promise<void>;
  /** A keystroke in the composer (the SDK throttles what it sends). */
  typing(): void;
  /** Joins the room again after a failed join. */
  rejoin(): Promise<void>;
}

// bounds memory in a long-open tab; older messages stay on the server
const MAX_MESSAGES = 500;

/** The widget's whole state, bound to one SDK client and one room. */
export function createChatStore(chat: ChatClient, roomId: string): ChatStore {
  let state: ChatState = {
    view: 'starting',
    user: null,
    status: chat.status,
    wasOnline: false,
    room: null,
    messages: [],
    online: [],
    typing: [],
    notice: null,
  };
  const listeners = new Set<() => void>();
  const set = (patch: Partial<ChatState>) => {
    state = { ...state, ...patch };
    for (const listener of [...listeners]) listener();
  };

  let current: Room | null = null;
  let unsubscribeRoom: Array<() => void> = [];
  // bumped on every user change, so a join that resolves late cannot attach a stale room
  let generation = 0;

  const detachRoom = () => {
    for (const unsubscribe of unsubscribeRoom) unsubscribe();
    unsubscribeRoom = [];
    current = null;
  };

  const joinRoom = async () => {
    const mine = ++generation;
    detachRoom();
    set({ room: null, messages: [], online: [], typing: [], notice: null });
    try {
      const room = await chat.join(roomId);
      if (mine !== generation) return;
      current = room;
      set({ room: { id: room.id, name: room.name }, messages: room.recent.slice(-MAX_MESSAGES), online: [...room.online] });
      unsubscribeRoom = [
        room.on('message', (message) => set({ messages: appendMessage(state.messages, message) })),
        room.on('update', (message) => set({ messages: state.messages.map((m) => (m.seq === message.seq ? message : m)) })),
        room.on('change', ({ id, name }) => set({ room: { id, name } })),
        room.on('presence', (online) => set({ online })),
        room.on('typing', (typing) => set({ typing })),
      ];
    } catch (error) {
      if (mine === generation) set({ notice: describeError(error) });
    }
  };

  chat.on('status', (status) => set({ status, wasOnline: state.wasOnline || status === 'online' }));
  chat.on('user', (user) => {
    if (user) {
      set({ user, view: 'room', wasOnline: false });
      void joinRoom();
    } else {
      generation += 1;
      detachRoom();
      set({ user: null, view: 'auth', room: null, messages: [], online: [], typing: [] });
    }
  });
  chat.on('error', (error) => set({ notice: error.message }));

  const start = async () => {
    set({ view: 'starting', notice: null });
    try {
      const user = await chat.restore();
      // a restored user already switched the view through the 'user' event
      if (!user) set({ view: 'auth' });
    } catch (error) {
      const unknownSite = error instanceof ChatError && error.code === 'not_found';
      set({ view: 'unreachable', notice: unknownSite ? 'Chat is not available on this site.' : describeError(error) });
    }
  };

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    start,
    async identify(identity) {
      set({ view: 'starting', notice: null });
      try {
        await chat.identify(identity);
      } catch (error) {
        await start();
        set({ notice: describeError(error) });
      }
    },
    async login(input) {
      await chat.login(input);
    },
    async register(input) {
      await chat.register(input);
    },
    async logout() {
      // the local session ends even when the server cannot be told
      await chat.logout().catch(() => undefined);
      set({ notice: null });
    },
    async send(text) {
      if (!current) throw new ChatError('unavailable', 'unable to send message; the room is not joined yet');
      // the stored message arrives through the room's 'message' event, so nothing to append here
      await current.send(text);
    },
    typing: () => current?.typing(),
    rejoin: joinRoom,
  };
}

/** Inserts by seq, ignoring a seq already present. */
function appendMessage(messages: readonly Message[], message: Message): readonly Message[] {
  const last = messages.at(-1);
  if (!last || message.seq > last.seq) return [...messages, message].slice(-MAX_MESSAGES);
  if (messages.some((m) => m.seq === message.seq)) return messages;
  return [...messages, message].sort((a, b) => a.seq - b.seq).slice(-MAX_MESSAGES);
}

export function describeError(error: unknown): string {
  return error instanceof ChatError ? error.message : 'Something went wrong. Please try again.';
}
