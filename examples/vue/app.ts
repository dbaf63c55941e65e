// A Vue 3 page with Parley two ways: the embeddable widget as a component (<ParleyWidget>), and a room of its own built
// on the composables (useChat, useRoom, useMessages, usePresence, useTyping), with render functions (no template
// compiler needed). `?server=` names the Parley server.
import { createApp, defineComponent, h, ref } from 'vue';
import { ParleyWidget, useChat, useMessages, usePresence, useRoom, useTyping } from '@parley/vue';

const server = new URLSearchParams(location.search).get('server') ?? 'http://localhost:3000';
const site = 'demo';

const field = (label: string, name: string, type = 'text') => h('label', {}, [`${label} `, h('input', { name, type, required: true })]);

const Room = defineComponent({
  setup() {
    const { chat, user, status } = useChat({ baseUrl: server, site });
    const room = useRoom(chat, 'general');
    const messages = useMessages(room);
    const online = usePresence(room);
    const { typing, notifyTyping } = useTyping(room);
    const text = ref('');
    const failure = ref('');
    const signUp = (event: Event) => {
      event.preventDefault();
      const form = new FormData(event.target as HTMLFormElement);
      const value = (name: string) => String(form.get(name) ?? '');
      chat.register({ username: value('username'), displayName: value('displayName'), password: value('password') }).catch((error: Error) => (failure.value = error.message));
    };
    const send = (event: Event) => {
      event.preventDefault();
      if (!text.value.trim()) return;
      void room.value?.send(text.value);
      text.value = '';
    };
    return () =>
      user.value
        ? h('section', { 'aria-label': 'Room' }, [
            h('p', {}, [`Signed in as ${user.value.displayName} · `, h('span', { 'data-testid': 'status' }, status.value)]),
            h('ul', { 'aria-label': 'Online' }, online.value.map((person) => h('li', { key: person.id }, person.displayName))),
            h('ol', { 'aria-label': 'Messages' }, messages.value.map((message) => h('li', { key: message.seq }, [h('b', {}, message.author.displayName), ` ${message.deletedAt ? 'deleted' : message.text}`]))),
            h('p', { 'aria-live': 'polite' }, typing.value.length > 0 ? `${typing.value.map((person) => person.displayName).join(', ')} typing…` : ''),
            h('form', { 'aria-label': 'Send a message', onSubmit: send }, [
              h('label', {}, [
                'Message ',
                h('input', {
                  value: text.value,
                  onInput: (event: Event) => {
                    text.value = (event.target as HTMLInputElement).value;
                    notifyTyping();
                  },
                }),
              ]),
              h('button', { type: 'submit' }, 'Send'),
            ]),
          ])
        : h('form', { 'aria-label': 'Sign up', onSubmit: signUp }, [
            field('Username', 'username'),
            field('Display name', 'displayName'),
            field('Password', 'password', 'password'),
            h('button', { type: 'submit' }, 'Sign up'),
            failure.value ? h('p', { role: 'alert' }, failure.value) : null,
          ]);
  },
});

const App = defineComponent({
  setup() {
    const embedded = ref(true);
    const unread = ref(0);
    return () =>
      h('main', {}, [
        h('h1', {}, 'Parley in Vue'),
        h('button', { type: 'button', onClick: () => (embedded.value = !embedded.value) }, embedded.value ? 'Remove the widget' : 'Add the widget'),
        h('p', {}, `Unread in the widget: ${unread.value}`),
        embedded.value ? h(ParleyWidget, { server, site, onUnread: (count: number) => (unread.value = count) }) : null,
        h(Room),
      ]);
  },
});

createApp(App).mount('#root');
