// @parley/react: the Parley widget as a React component, and hooks over @parley/sdk for a chat UI of your own.
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import {
  type ChatClient,
  type ChatClientOptions,
  type ConnectionStatus,
  createChatClient,
  type EmbeddedWidget,
  embedWidget,
  type Message,
  type PresenceUser,
  type Room,
  type User,
  type WidgetEvents,
  type WidgetOptions,
} from '@parley/sdk';

export type ParleyWidgetProps = WidgetOptions & {
  /** The widget told of a new message (MessageSummary), the unread or mention count, the panel opening or closing. */
  onMessage?: WidgetEvents['message'];
  onUnread?: WidgetEvents['unread'];
  onMention?: WidgetEvents['mention'];
  onOpen?: WidgetEvents['open'];
  onClose?: WidgetEvents['close'];
};

const EVENT_PROPS = { onMessage: 'message', onUnread: 'unread', onMention: 'mention', onOpen: 'open', onClose: 'close' } as const;

/**
 * The embeddable widget: loads the Parley loader (`<server>/widget.js`) with these options while mounted, and takes
 * it off the page when unmounted. A change of `userToken` signs that user in (`identify`), its removal signs out;
 * other options mount the widget again. Renders nothing itself: the launcher and panel float over the page.
 *
 * @example
 * <ParleyWidget server="https://chat.example.com" site="acme" userToken={token} onUnread={setUnread} />
 */
export function ParleyWidget(props: ParleyWidgetProps): null {
  const { userToken, onMessage, onUnread, onMention, onOpen, onClose, ...options } = props;
  const widget = useRef<EmbeddedWidget | null>(null);
  // the latest handlers, read when an event comes (a new function each render does not mount the widget again)
  const handlers = useRef<Omit<ParleyWidgetProps, keyof WidgetOptions>>({});
  handlers.current = { onMessage, onUnread, onMention, onOpen, onClose };
  const token = useRef(userToken);
  const key = JSON.stringify(options);

  useEffect(() => {
    const mounted = embedWidget({ ...options, ...(token.current ? { userToken: token.current } : {}) });
    widget.current = mounted;
    for (const [prop, event] of Object.entries(EVENT_PROPS)) {
      mounted.on(event, (payload?: unknown) => (handlers.current[prop as keyof typeof EVENT_PROPS] as ((value?: unknown) => void) | undefined)?.(payload));
    }
    return () => {
      mounted.remove();
      widget.current = null;
    };
  }, [key]);

  useEffect(() => {
    if (token.current === userToken) return;
    token.current = userToken;
    if (userToken) widget.current?.identify(userToken);
    else widget.current?.logout();
  }, [userToken]);
  return null;
}

/**
 * A chat client for the component's lifetime (closed when it unmounts, or when `baseUrl` or `site` change), with its
 * signed-in user and connection status as state. `chat` is null until the first effect has run.
 */
export function useChat(options: ChatClientOptions): { chat: ChatClient | null; user: User | null; status: ConnectionStatus } {
  const [chat, setChat] = useState<ChatClient | null>(null);
  const latest = useRef(options);
  latest.current = options;
  useEffect(() => {
    const created = createChatClient(latest.current);
    setChat(created);
    return () => {
      created.close();
      setChat(null);
    };
  }, [options.baseUrl, options.site]);
  const user = useSyncExternalStore(
    (changed) => chat?.on('user', changed) ?? (() => undefined),
    () => chat?.user ?? null,
    () => null,
  );
  const status = useSyncExternalStore(
    (changed) => chat?.on('status', changed) ?? (() => undefined),
    () => chat?.status ?? 'offline',
    () => 'offline' as const,
  );
  return { chat, user, status };
}

/** The room, joined while a user is signed in (or, for rooms open to readers, without one), and left on unmount. */
export function useRoom(chat: ChatClient | null, roomId: string): Room | null {
  const [room, setRoom] = useState<Room | null>(null);
  const user = useSyncExternalStore(
    (changed) => chat?.on('user', changed) ?? (() => undefined),
    () => chat?.user ?? null,
    () => null,
  );
  useEffect(() => {
    if (!chat) return;
    let joined: Room | null = null;
    let gone = false;
    chat.join(roomId).then(
      (room) => {
        if (gone) return void room.leave().catch(() => undefined);
        joined = room;
        setRoom(room);
      },
      () => setRoom(null),
    );
    return () => {
      gone = true;
      setRoom(null);
      void joined?.leave().catch(() => undefined);
    };
  }, [chat, roomId, user?.id]);
  return room;
}

/** The room's messages, oldest first: the latest page of history, then each new one and each edit or deletion. */
export function useMessages(room: Room | null, options: { limit?: number } = {}): Message[] {
  const [messages, setMessages] = useState<Message[]>([]);
  useEffect(() => {
    setMessages([]);
    if (!room) return;
    let live = true;
    const bySeq = (list: Message[]) => [...new Map(list.map((message) => [message.seq, message])).values()].sort((a, b) => a.seq - b.seq);
    const offMessage = room.on('message', (message) => setMessages((list) => bySeq([...list, message])));
    const offUpdate = room.on('update', (message) => setMessages((list) => list.map((known) => (known.seq === message.seq ? message : known))));
    room.history({ limit: options.limit ?? 50 }).then((page) => live && setMessages((list) => bySeq([...page, ...list])), () => undefined);
    return () => {
      live = false;
      offMessage();
      offUpdate();
    };
  }, [room, options.limit]);
  return messages;
}

/** Who is in the room now, one entry per user, sorted by name. */
export function usePresence(room: Room | null): readonly PresenceUser[] {
  const [online, setOnline] = useState<readonly PresenceUser[]>(NOBODY);
  useEffect(() => {
    setOnline(room?.online ?? NOBODY);
    return room?.on('presence', setOnline);
  }, [room]);
  return online;
}

/** Who else is typing now, and `typing()` to call on each keystroke of your own (the SDK throttles what it sends). */
export function useTyping(room: Room | null): { typing: readonly PresenceUser[]; notifyTyping: () => void } {
  const [typing, setTyping] = useState<readonly PresenceUser[]>(NOBODY);
  useEffect(() => {
    setTyping(NOBODY);
    return room?.on('typing', setTyping);
  }, [room]);
  return { typing, notifyTyping: () => room?.typing() };
}

const NOBODY: readonly PresenceUser[] = [];
