// The loader's only words (the launcher's label); everything else is the app's.
/** Open, close, and what follows "open" when something is unread (`#` is the count). */
export type LoaderStrings = readonly [open: string, close: string, unread: string];

const en: LoaderStrings = ['Open chat', 'Close chat', ', # unread'];

const catalog: Record<string, LoaderStrings | undefined> = {
  en,
  es: ['Abrir chat', 'Cerrar chat', ', # sin leer'],
  zh: ['打开聊天', '关闭聊天', '，# 条未读'],
};

/** The language of a BCP 47 tag (`es-MX` → `es`) when the loader has its strings, else `en`; and those strings. */
export function loaderStrings(locale: string): [lang: string, text: LoaderStrings] {
  const lang = locale.slice(0, 2).toLowerCase();
  const text = catalog[lang];
  return text ? [lang, text] : ['en', en];
}
