// The loader's only words (the launcher's label); everything else is the app's.
/** Open, close, and what follows "open" when something is unread, and when unread messages mention the user (`#` is the count). */
export type LoaderStrings = readonly [open: string, close: string, unread: string, mentions: string];

const en: LoaderStrings = ['Open chat', 'Close chat', ', # unread', ', mentions: #'];

const catalog: Record<string, LoaderStrings | undefined> = {
  en,
  es: ['Abrir chat', 'Cerrar chat', ', # sin leer', ', menciones: #'],
  zh: ['打开聊天', '关闭聊天', '，# 条未读', '，提及：#'],
};

/** The language of a BCP 47 tag (`es-MX` → `es`) when the loader has its strings, else `en`; and those strings. */
export function loaderStrings(locale: string): [lang: string, text: LoaderStrings] {
  const lang = locale.slice(0, 2).toLowerCase();
  const text = catalog[lang];
  return text ? [lang, text] : ['en', en];
}
