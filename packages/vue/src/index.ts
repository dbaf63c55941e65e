// @parley/vue: the Parley widget as a Vue 3 component, and composables over @parley/sdk for a chat UI of your own.
import { defineComponent, onMounted, onScopeDispose, type PropType, type Ref, ref, shallowRef, type ShallowRef, toValue, watch, type MaybeRefOrGetter } from 'vue';
import {
  type ChatClient,
  type ChatClientOptions,
  type ConnectionStatus,
  createChatClient,
  type EmbeddedWidget,
  embedWidget,
  type Message,
  type MessageSummary,
  type PresenceUser,
  type Room,
  type User,
  type WidgetOptions,
} from '@parley/sdk';

const optional = <T>(type: PropType<T>) => ({ type, required: false as const });

/**
 * The embeddable widget: loads the Parley loader (`<server>/widget.js`) with these props while mounted, and takes it
 * off the page when unmounted. A change of `userToken` signs that user in (`identify`), its removal signs out; other
 * props mount the widget again. Emits `message`, `unread`, `mention`, `open` and `close`. Renders nothing itself.
 *
 * @example
 * <ParleyWidget server="https://chat.example.com" site="acme" :user-token="token" @unread="unread = $event" />
 */
export const ParleyWidget = defineComponent({
  name: 'ParleyWidget',
  props: {
    server: { type: String, required: true },
    site: { type: String, required: true },
    room: optional(String),
    locale: optional(String),
    title: optional(String),
    accent: optional(String),
    position: optional(String as PropType<'left' | 'right'>),
    zIndex: optional(Number),
    open: optional(Boolean),
    sound: optional(Boolean),
    launcher: optional(String as PropType<'visible' | 'hidden'>),
    userToken: optional(String),
  },
  emits: {
    message: (_message: MessageSummary) => true,
    unread: (_count: number) => true,
    mention: (_count: number) => true,
    open: () => true,
    close: () => true,
  },
  setup(props, { emit }) {
    let widget: EmbeddedWidget | undefined;
    let token = props.userToken;
    const options = (): WidgetOptions => {
      const { userToken: _token, ...rest } = props;
      return Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)) as unknown as WidgetOptions;
    };
    const mount = () => {
      widget?.remove();
      const mounted = embedWidget({ ...options(), ...(token ? { userToken: token } : {}) });
      mounted.on('message', (message) => emit('message', message));
      mounted.on('unread', (count) => emit('unread', count));
      mounted.on('mention', (count) => emit('mention', count));
      mounted.on('open', () => emit('open'));
      mounted.on('close', () => emit('close'));
      widget = mounted;
    };
    // in the browser only (never during server-side rendering), and again when an option changes
    onMounted(mount);
    watch(() => JSON.stringify(options()), mount);
    watch(
      () => props.userToken,
      (next) => {
        if (next === token) return;
        token = next;
        if (next) widget?.identify(next);
        else widget?.logout();
      },
    );
    onScopeDispose(() => widget?.remove());
    return () => null;
  },
});

/**
 * A chat client for the calling component's lifetime (closed with it), with its signed-in user and connection status
 * as refs.
 */
export function useChat(options: ChatClientOptions): { chat: ChatClient; user: ShallowRef<User | null>; status: Ref<ConnectionStatus> } {
  const chat = createChatClient(options);
  const user = shallowRef<User | null>(chat.user);
  const status = ref<ConnectionStatus>(chat.status);
  const offUser = chat.on('user', (next) => (user.value = next));
  const offStatus = chat.on('status', (next) => (status.value = next));
  onScopeDispose(() => {
    offUser();
    offStatus();
    chat.close();
  });
  return { chat, user, status };
}

/** The room, joined while a user is signed in (or, for rooms open to readers, without one), and left with the scope. */
export function useRoom(chat: ChatClient, roomId: MaybeRefOrGetter<string>): ShallowRef<Room | null> {
  const room = shallowRef<Room | null>(null);
  const user = shallowRef<User | null>(chat.user);
  const offUser = chat.on('user', (next) => (user.value = next));
  let run = 0;
  const join = async (id: string) => {
    const mine = ++run;
    const previous = room.value;
    room.value = null;
    await previous?.leave().catch(() => undefined);
    const joined = await chat.join(id).catch(() => null);
    if (mine === run) room.value = joined;
    else await joined?.leave().catch(() => undefined);
  };
  watch([() => toValue(roomId), () => user.value?.id], ([id]) => void join(id), { immediate: true });
  onScopeDispose(() => {
    run++;
    offUser();
    void room.value?.leave().catch(() => undefined);
  });
  return room;
}

/** The room's messages, oldest first: the latest page of history, then each new one and each edit or deletion. */
export function useMessages(room: Ref<Room | null>, options: { limit?: number } = {}): ShallowRef<Message[]> {
  const messages = shallowRef<Message[]>([]);
  const bySeq = (list: Message[]) => [...new Map(list.map((message) => [message.seq, message])).values()].sort((a, b) => a.seq - b.seq);
  watch(
    room,
    (current, _previous, onCleanup) => {
      messages.value = [];
      if (!current) return;
      let live = true;
      const offMessage = current.on('message', (message) => (messages.value = bySeq([...messages.value, message])));
      const offUpdate = current.on('update', (message) => (messages.value = messages.value.map((known) => (known.seq === message.seq ? message : known))));
      current.history({ limit: options.limit ?? 50 }).then((page) => live && (messages.value = bySeq([...page, ...messages.value])), () => undefined);
      onCleanup(() => {
        live = false;
        offMessage();
        offUpdate();
      });
    },
    { immediate: true },
  );
  return messages;
}

/** Who is in the room now, one entry per user, sorted by name. */
export function usePresence(room: Ref<Room | null>): ShallowRef<readonly PresenceUser[]> {
  const online = shallowRef<readonly PresenceUser[]>([]);
  watch(
    room,
    (current, _previous, onCleanup) => {
      online.value = current?.online ?? [];
      const off = current?.on('presence', (list) => (online.value = list));
      if (off) onCleanup(off);
    },
    { immediate: true },
  );
  return online;
}

/** Who else is typing now, and `notifyTyping()` to call on each keystroke of your own (the SDK throttles it). */
export function useTyping(room: Ref<Room | null>): { typing: ShallowRef<readonly PresenceUser[]>; notifyTyping: () => void } {
  const typing = shallowRef<readonly PresenceUser[]>([]);
  watch(
    room,
    (current, _previous, onCleanup) => {
      typing.value = [];
      const off = current?.on('typing', (list) => (typing.value = list));
      if (off) onCleanup(off);
    },
    { immediate: true },
  );
  return { typing, notifyTyping: () => room.value?.typing() };
}
