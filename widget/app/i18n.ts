// Every string the app shows, in one catalog per language. Server error messages arrive in English and are shown
// as they are. `{n}` is a number formatted for the locale, `{name}`/`{names}` are display names.

/** One string per CLDR plural category the language uses; `other` is always there. */
type Plural = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

export interface Strings {
  pageTitle: string;
  welcomeTitle: string;
  welcomeSubtitle: string;
  loading: string;
  notSetUp: string;
  unreachable: string;
  unknownSite: string;
  somethingWrong: string;
  tryAgain: string;
  minimise: string;
  logOut: string;
  account: string;
  signIn: string;
  createAccount: string;
  username: string;
  usernameHint: string;
  displayName: string;
  displayNameHint: string;
  password: string;
  passwordHint: string;
  logIn: string;
  register: string;
  online: string;
  onlineCount: Plural;
  connecting: string;
  offline: string;
  joining: string;
  messages: string;
  empty: string;
  start: string;
  loadingOlder: string;
  deleted: string;
  edited: string;
  newMessages: Plural;
  typingOne: string;
  typingTwo: string;
  typingMany: string;
  message: string;
  placeholder: string;
  send: string;
  charactersLeft: Plural;
  charactersOver: Plural;
  sending: string;
  queued: string;
  failed: string;
  retry: string;
  discard: string;
}

const en: Strings = {
  pageTitle: 'Parley chat',
  welcomeTitle: 'Chat',
  welcomeSubtitle: 'Talk with us and other visitors',
  loading: 'Loading…',
  notSetUp: 'This chat is not set up: its address names no site.',
  unreachable: 'The chat is not reachable right now.',
  unknownSite: 'Chat is not available on this site.',
  somethingWrong: 'Something went wrong. Please try again.',
  tryAgain: 'Try again',
  minimise: 'Minimise chat',
  logOut: 'Log out',
  account: 'Account',
  signIn: 'Sign in',
  createAccount: 'Create account',
  username: 'Username',
  usernameHint: '3–32 letters, digits, _ . or -',
  displayName: 'Display name',
  displayNameHint: 'How others see you in the chat.',
  password: 'Password',
  passwordHint: 'At least 8 characters.',
  logIn: 'Log in',
  register: 'Register',
  online: 'Online',
  onlineCount: { one: '{n} online', other: '{n} online' },
  connecting: 'Connecting…',
  offline: 'You are offline. Reconnecting…',
  joining: 'Joining the room…',
  messages: 'Messages',
  empty: 'No messages yet. Say hello!',
  start: 'This is the start of the conversation.',
  loadingOlder: 'Loading older messages…',
  deleted: 'Message deleted',
  edited: '(edited)',
  newMessages: { one: '{n} new message', other: '{n} new messages' },
  typingOne: '{name} is typing…',
  typingTwo: '{names} are typing…',
  typingMany: 'Several people are typing…',
  message: 'Message',
  placeholder: 'Write a message…',
  send: 'Send',
  charactersLeft: { one: '{n} character left', other: '{n} characters left' },
  charactersOver: { one: '{n} character too many', other: '{n} characters too many' },
  sending: 'Sending…',
  queued: 'Waiting for the connection…',
  failed: 'Not sent.',
  retry: 'Retry',
  discard: 'Discard',
};

const es: Strings = {
  pageTitle: 'Chat de Parley',
  welcomeTitle: 'Chat',
  welcomeSubtitle: 'Habla con nosotros y con otros visitantes',
  loading: 'Cargando…',
  notSetUp: 'Este chat no está configurado: su dirección no indica ningún sitio.',
  unreachable: 'No se puede acceder al chat en este momento.',
  unknownSite: 'El chat no está disponible en este sitio.',
  somethingWrong: 'Algo salió mal. Inténtalo de nuevo.',
  tryAgain: 'Reintentar',
  minimise: 'Minimizar el chat',
  logOut: 'Cerrar sesión',
  account: 'Cuenta',
  signIn: 'Entrar',
  createAccount: 'Crear cuenta',
  username: 'Nombre de usuario',
  usernameHint: '3–32 letras, dígitos, _ . o -',
  displayName: 'Nombre visible',
  displayNameHint: 'Cómo te ven los demás en el chat.',
  password: 'Contraseña',
  passwordHint: 'Al menos 8 caracteres.',
  logIn: 'Iniciar sesión',
  register: 'Registrarse',
  online: 'En línea',
  onlineCount: { one: '{n} en línea', other: '{n} en línea' },
  connecting: 'Conectando…',
  offline: 'Sin conexión. Reconectando…',
  joining: 'Entrando en la sala…',
  messages: 'Mensajes',
  empty: 'Aún no hay mensajes. ¡Saluda!',
  start: 'Aquí empieza la conversación.',
  loadingOlder: 'Cargando mensajes anteriores…',
  deleted: 'Mensaje eliminado',
  edited: '(editado)',
  newMessages: { one: '{n} mensaje nuevo', other: '{n} mensajes nuevos' },
  typingOne: '{name} está escribiendo…',
  typingTwo: '{names} están escribiendo…',
  typingMany: 'Varias personas están escribiendo…',
  message: 'Mensaje',
  placeholder: 'Escribe un mensaje…',
  send: 'Enviar',
  charactersLeft: { one: 'Queda {n} carácter', other: 'Quedan {n} caracteres' },
  charactersOver: { one: '{n} carácter de más', other: '{n} caracteres de más' },
  sending: 'Enviando…',
  queued: 'Esperando la conexión…',
  failed: 'No enviado.',
  retry: 'Reintentar',
  discard: 'Descartar',
};

const zh: Strings = {
  pageTitle: 'Parley 聊天',
  welcomeTitle: '聊天',
  welcomeSubtitle: '与我们和其他访客交流',
  loading: '加载中…',
  notSetUp: '此聊天尚未设置：地址中没有站点。',
  unreachable: '暂时无法连接到聊天。',
  unknownSite: '此网站无法使用聊天。',
  somethingWrong: '出了点问题，请重试。',
  tryAgain: '重试',
  minimise: '最小化聊天',
  logOut: '退出登录',
  account: '账户',
  signIn: '登录',
  createAccount: '创建账户',
  username: '用户名',
  usernameHint: '3–32 个字母、数字、_ . 或 -',
  displayName: '显示名称',
  displayNameHint: '其他人在聊天中看到的名字。',
  password: '密码',
  passwordHint: '至少 8 个字符。',
  logIn: '登录',
  register: '注册',
  online: '在线',
  onlineCount: { other: '{n} 人在线' },
  connecting: '正在连接…',
  offline: '您已离线，正在重新连接…',
  joining: '正在进入聊天室…',
  messages: '消息',
  empty: '还没有消息，打个招呼吧！',
  start: '对话从这里开始。',
  loadingOlder: '正在加载更早的消息…',
  deleted: '消息已删除',
  edited: '（已编辑）',
  newMessages: { other: '{n} 条新消息' },
  typingOne: '{name} 正在输入…',
  typingTwo: '{names} 正在输入…',
  typingMany: '多人正在输入…',
  message: '消息',
  placeholder: '输入消息…',
  send: '发送',
  charactersLeft: { other: '还可输入 {n} 个字符' },
  charactersOver: { other: '超出 {n} 个字符' },
  sending: '正在发送…',
  queued: '等待连接…',
  failed: '未发送。',
  retry: '重试',
  discard: '放弃',
};

const catalogs: Record<string, Strings> = { en, es, zh };

/** The active language's strings; set once by `chooseLocale` before the first render. */
export let t: Strings = en;
/** The BCP 47 tag the dates, numbers and plurals follow: the one asked for, when its language has a catalog. */
export let locale = 'en';

// built once per locale: a message list formats hundreds of dates per render
const formatters = (tag: string) => ({
  number: new Intl.NumberFormat(tag),
  plural: new Intl.PluralRules(tag),
  list: new Intl.ListFormat(tag, { type: 'conjunction' }),
  time: new Intl.DateTimeFormat(tag, { hour: 'numeric', minute: '2-digit' }),
  full: new Intl.DateTimeFormat(tag, { dateStyle: 'full', timeStyle: 'short' }),
  day: new Intl.DateTimeFormat(tag, { weekday: 'long', month: 'long', day: 'numeric' }),
  dayInYear: new Intl.DateTimeFormat(tag, { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' }),
  relative: new Intl.RelativeTimeFormat(tag, { numeric: 'auto' }),
});
let format = formatters(locale);

/**
 * Picks the first of `wanted` (the host's setting, then the browser's languages) whose language has a catalog,
 * else English, and sets `<html lang>` and the page title.
 */
export function chooseLocale(wanted: ReadonlyArray<string | undefined>): void {
  for (const tag of wanted) {
    const catalog = tag ? catalogs[tag.split('-')[0]!.toLowerCase()] : undefined;
    if (!catalog || !tag) continue;
    try {
      format = formatters(tag);
    } catch {
      continue; // a tag Intl refuses
    }
    locale = format.number.resolvedOptions().locale;
    t = catalog;
    break;
  }
  document.documentElement.lang = locale;
  document.title = t.pageTitle;
}

/** Fills `{name}`-style holes; numbers are written the locale's way. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (hole, key: string) => {
    const value = values[key];
    return value === undefined ? hole : typeof value === 'number' ? format.number.format(value) : value;
  });
}

/** The plural form for `n` in the active language, with `{n}` filled. */
export function plural(forms: Plural, n: number): string {
  return fill(forms[format.plural.select(n)] ?? forms.other, { n });
}

/** "Ada is typing…", "Ada and Bob are typing…", with the language's own "and". */
export function describeTyping(names: readonly string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return fill(t.typingOne, { name: names[0]! });
  if (names.length === 2) return fill(t.typingTwo, { names: format.list.format(names) });
  return t.typingMany;
}

const DAY_MS = 86_400_000;
const startOfDay = (date: Date) => new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();

/** The hour and minute, as the locale writes them. */
export const formatTime = (date: Date): string => format.time.format(date);

/** The full date and time, for a tooltip. */
export const formatDateTime = (date: Date): string => format.full.format(date);

/** A day separator: "Today", "Yesterday" (the locale's own words), then the weekday and date; the year when not this one. */
export function formatDay(date: Date, now = new Date()): string {
  const days = Math.round((startOfDay(now) - startOfDay(date)) / DAY_MS);
  if (days === 0 || days === 1) {
    const word = format.relative.format(-days, 'day');
    return word.charAt(0).toLocaleUpperCase(locale) + word.slice(1);
  }
  return (date.getFullYear() === now.getFullYear() ? format.day : format.dayInYear).format(date);
}

/** Whether two dates fall on the same local day. */
export const sameDay = (a: Date, b: Date) => startOfDay(a) === startOfDay(b);
