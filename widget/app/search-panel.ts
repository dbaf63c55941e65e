// Search in the room: a lazy chunk of its own, loaded the first time someone opens it from the header. Plain DOM with
// its strings in all three languages and its own style sheet, so it imports nothing from app.js
// (test/unit/bundle-size.test.ts keeps chunks that way). A modal <dialog>: the browser keeps focus inside it, Escape
// closes it and focus returns to the Search button; choosing a result closes it and goes to the message, loading
// older pages when it is not loaded yet.

import type { Message, SearchPage } from '../../sdk';

interface SearchStrings {
  title: string;
  search: string;
  close: string;
  searching: string;
  none: string;
  found: (count: number) => string;
  more: string;
}

const strings: Record<'en' | 'es' | 'zh', SearchStrings> = {
  en: {
    title: 'Search messages',
    search: 'Search',
    close: 'Close',
    searching: 'Searching…',
    none: 'No messages found',
    found: (count) => (count === 1 ? '1 message found' : `${count} messages found`),
    more: 'Search older messages',
  },
  es: {
    title: 'Buscar mensajes',
    search: 'Buscar',
    close: 'Cerrar',
    searching: 'Buscando…',
    none: 'No se encontraron mensajes',
    found: (count) => (count === 1 ? '1 mensaje encontrado' : `${count} mensajes encontrados`),
    more: 'Buscar mensajes más antiguos',
  },
  zh: {
    title: '搜索消息',
    search: '搜索',
    close: '关闭',
    searching: '正在搜索…',
    none: '未找到消息',
    found: (count) => `找到 ${count} 条消息`,
    more: '搜索更早的消息',
  },
};

const CSS = `.search-panel{width:min(420px,calc(100vw - 16px));max-height:calc(100vh - 16px);padding:12px;border:0;border-radius:12px;background:var(--surface);color:inherit}
.search-panel::backdrop{background:rgb(0 0 0/.5)}
.search-panel header,.search-panel form{display:flex;gap:8px;align-items:center;justify-content:space-between}
.search-panel h2{margin:0;font-size:16px}
.search-panel input{flex:1;min-width:0}
.search-panel ul{margin:8px 0;padding:0;list-style:none}
.search-panel li button{display:block;width:100%;padding:6px 8px;border:0;border-radius:8px;background:none;color:inherit;font:inherit;text-align:start;overflow-wrap:anywhere}
.search-panel li button:hover,.search-panel li button:focus-visible{background:var(--accent-soft)}
.search-panel time{margin-inline-start:6px;color:var(--muted);font-size:12px}
.search-panel p{margin:8px 0 0;color:var(--muted)}`;
let sheet: CSSStyleSheet | undefined;

// each press looks for at least this many more, asking for further pages while the answers come short
const WANTED = 10;
const MAX_PAGES = 5;
const EXCERPT = 200;

export interface SearchPanelOptions {
  /** The app's locale (BCP 47); its language's strings, and its date format. */
  locale: string;
  /** One page of the joined room's search (`room.search`). */
  search: (query: string, before: number | undefined) => Promise<SearchPage>;
  /** A result was chosen: the app removes the panel and goes to the message. */
  onOpen: (seq: number) => void;
  /** Escape or Close. */
  onClose: () => void;
  /** A refusal or failure in the reader's words. */
  describeError: (error: unknown) => string;
}

/** A new element with these properties (`textContent`, `type`, `ariaLabel`…) and children. */
const element = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] => {
  const made = Object.assign(document.createElement(tag), props);
  made.append(...children);
  return made;
};

/** Shows the search in a modal dialog in `host`, its field focused; the function it answers removes it. */
export function mountSearchPanel(host: HTMLElement, { locale, search, onOpen, onClose, describeError }: SearchPanelOptions): () => void {
  const text = strings[locale.split('-')[0] as keyof typeof strings] ?? strings.en;
  if ('adoptedStyleSheets' in document && !sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }
  const close = element('button', { type: 'button', className: 'secondary', textContent: text.close });
  const field = element('input', { type: 'search', required: true, maxLength: 100, ariaLabel: text.title });
  const form = element('form', { role: 'search' }, field, element('button', { type: 'submit', className: 'primary', textContent: text.search }));
  const status = element('p', { role: 'status' });
  const results = element('ul', { ariaLabel: text.title });
  const more = element('button', { type: 'button', className: 'secondary', textContent: text.more, hidden: true });
  const dialog = element('dialog', { className: 'search-panel' }, element('header', {}, element('h2', { id: 'search-title', textContent: text.title }), close), form, status, results, more);
  dialog.setAttribute('aria-labelledby', 'search-title');
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });

  // the query being shown, where its next page starts, and how many it found; a newer search makes older answers moot
  let query = '';
  let next: number | null = null;
  let found = 0;
  let run = 0;

  const show = ({ seq, author, text: said, createdAt }: Message) => {
    const excerpt = said.length > EXCERPT ? `${said.slice(0, EXCERPT)}…` : said;
    const time = element('time', { dateTime: createdAt, textContent: dates.format(new Date(createdAt)) });
    const open = element('button', { type: 'button' }, element('b', { textContent: author.displayName }), time, element('br'), excerpt);
    open.onclick = () => onOpen(seq);
    results.append(element('li', {}, open));
  };

  const find = async (before: number | undefined) => {
    const mine = ++run;
    status.textContent = text.searching;
    more.hidden = true;
    let added = 0;
    try {
      for (let pages = 0; pages < MAX_PAGES && added < WANTED; pages++) {
        const page = await search(query, before);
        if (mine !== run) return;
        page.messages.forEach(show);
        added += page.messages.length;
        next = page.next;
        if (next === null) break;
        before = next;
      }
      found += added;
      status.textContent = found ? text.found(found) : text.none;
      more.hidden = next === null;
    } catch (caught) {
      if (mine === run) status.textContent = describeError(caught);
    }
  };

  form.onsubmit = (event) => {
    event.preventDefault();
    query = field.value.trim();
    if (!query) return;
    results.replaceChildren();
    found = 0;
    void find(undefined);
  };
  more.onclick = () => void find(next ?? undefined);
  close.onclick = () => dialog.close();
  // Escape, Close, or a click on the backdrop (outside the dialog's box: its padding is the dialog too). Escape is
  // handled here, and marked so, or the app would also close the whole panel
  dialog.addEventListener('close', onClose);
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    dialog.close();
  });
  dialog.addEventListener('click', ({ target, clientX: x, clientY: y }) => {
    const box = dialog.getBoundingClientRect();
    if (target === dialog && (x < box.left || x > box.right || y < box.top || y > box.bottom)) dialog.close();
  });
  host.append(dialog);
  dialog.showModal();
  field.focus();
  return () => {
    run++;
    dialog.removeEventListener('close', onClose);
    if (dialog.open) dialog.close();
    dialog.remove();
  };
}
