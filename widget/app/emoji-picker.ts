// The emoji picker: a lazy chunk of its own, loaded the first time someone opens it (to react, or from the composer).
// Plain DOM with its strings in all three languages and its own style sheet, so it imports nothing from app.js
// (test/unit/bundle-size.test.ts keeps chunks that way). A curated set, not Unicode's thousands: what people react
// with, a row of each kind.

const COLUMNS = 8;
const RECENT_KEY = 'parley:recent-emoji';

// each category a whole number of rows, so Up and Down keep their column across categories
const CATEGORIES: ReadonlyArray<readonly [key: Category, emoji: string]> = [
  ['smileys', '😀 😂 🤣 😊 😍 🥰 😘 😉 😎 🤩 🤔 🤨 😐 🙄 😴 😅 😢 😭 😡 😱 🥳 🤯 😇 🙃'],
  ['people', '👍 👎 👏 🙌 🙏 🤝 👋 💪 👀 🤷 🤦 ✌️ 👌 🤞 ☝️ 🫶'],
  ['symbols', '❤️ 🧡 💛 💚 💙 💜 🖤 💔 💯 ✅ ❌ ❗ ❓ ⭐ ✨ 🔥'],
  ['things', '🎉 🎂 🎁 🏆 ⚽ 🎮 🎵 ☕ 🍕 🍻 🌮 🍎 🐶 🐱 🌈 🚀'],
];

type Category = 'recent' | 'smileys' | 'people' | 'symbols' | 'things';

interface PickerStrings {
  title: string;
  close: string;
  categories: Record<Category, string>;
}

const strings: Record<'en' | 'es' | 'zh', PickerStrings> = {
  en: {
    title: 'Pick an emoji',
    close: 'Close',
    categories: { recent: 'Recently used', smileys: 'Smileys', people: 'Gestures', symbols: 'Hearts and symbols', things: 'Things and food' },
  },
  es: {
    title: 'Elige un emoji',
    close: 'Cerrar',
    categories: { recent: 'Usados recientemente', smileys: 'Caras', people: 'Gestos', symbols: 'Corazones y símbolos', things: 'Objetos y comida' },
  },
  zh: {
    title: '选择表情',
    close: '关闭',
    categories: { recent: '最近使用', smileys: '笑脸', people: '手势', symbols: '爱心和符号', things: '物品和食物' },
  },
};

// the app page's CSP takes style sheets from our origin only; a constructed sheet is no inline style
const CSS = `.emoji-picker{max-height:220px;overflow-y:auto}
.emoji-picker h3{margin:6px 0 2px;font-size:12px;font-weight:600;color:var(--muted)}
.emoji-grid{display:grid;grid-template-columns:repeat(${COLUMNS},1fr);gap:2px}
.emoji-grid button{height:34px;padding:0;border:0;border-radius:6px;background:none;font-size:20px;line-height:1}
.emoji-grid button:hover,.emoji-grid button:focus-visible{background:var(--accent-soft)}`;
let sheet: CSSStyleSheet | undefined;

/** The emoji picked most recently first, from the iframe's storage; none when the browser keeps none for it. */
function recentlyUsed(): string[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(stored) ? stored.filter((e): e is string => typeof e === 'string' && e.length <= 32).slice(0, COLUMNS) : [];
  } catch {
    return []; // storage denied to a framed page, or something else's value
  }
}

function remember(emoji: string): void {
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify([emoji, ...recentlyUsed().filter((e) => e !== emoji)].slice(0, COLUMNS)));
  } catch {
    // not kept: the picker works without it
  }
}

export interface EmojiPickerOptions {
  /** The app's locale (BCP 47); its language's strings, else English. */
  locale: string;
  /** Picked (Enter, Space or a click): the picker stays until `onClose`'s caller removes it. */
  onPick: (emoji: string) => void;
  /** Escape or Close. */
  onClose: () => void;
}

/**
 * Builds the picker in `host` and focuses its first emoji. One Tab stop for the whole grid: the arrows move within it
 * (Up and Down by a row, Home and End to the ends), Enter or Space picks, Escape closes. Answers what removes it.
 */
export function mountEmojiPicker(host: HTMLElement, { locale, onPick, onClose }: EmojiPickerOptions): () => void {
  const text = strings[locale.split('-')[0] as keyof typeof strings] ?? strings.en;
  if ('adoptedStyleSheets' in document && !sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }
  const box = document.createElement('section');
  box.className = 'message-menu emoji-picker';
  box.setAttribute('aria-label', text.title);
  const buttons: HTMLButtonElement[] = [];
  const recent = recentlyUsed();
  const categories: Array<readonly [Category, string[]]> = [...(recent.length > 0 ? [['recent', recent] as const] : []), ...CATEGORIES.map(([key, list]) => [key, list.split(' ')] as const)];
  for (const [key, list] of categories) {
    const heading = document.createElement('h3');
    heading.textContent = text.categories[key];
    heading.id = `emoji-${key}`;
    const grid = document.createElement('div');
    grid.className = 'emoji-grid';
    grid.setAttribute('role', 'group');
    grid.setAttribute('aria-labelledby', heading.id);
    for (const emoji of list) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = emoji;
      button.tabIndex = -1;
      button.onclick = () => {
        remember(emoji);
        onPick(emoji);
      };
      buttons.push(button);
      grid.append(button);
    }
    // the recent row holds up to a row: Up and Down count from the grid's own rows
    box.append(heading, grid);
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'secondary';
  close.textContent = text.close;
  close.onclick = onClose;
  box.append(close);

  // a roving tab stop: the focused emoji is the grid's only one
  const focusAt = (index: number) => {
    const next = buttons[Math.max(0, Math.min(buttons.length - 1, index))]!;
    for (const button of buttons) button.tabIndex = button === next ? 0 : -1;
    next.focus();
  };
  // a recent row shorter than the others is padded in the count, so a column stays a column
  const rowStart = (index: number) => (index < recent.length ? 0 : recent.length + Math.floor((index - recent.length) / COLUMNS) * COLUMNS);
  box.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
      return;
    }
    const index = buttons.indexOf(event.target as HTMLButtonElement);
    if (index < 0) return;
    const column = index - rowStart(index);
    const moves: Record<string, () => number> = {
      ArrowLeft: () => index - 1,
      ArrowRight: () => index + 1,
      Home: () => 0,
      End: () => buttons.length - 1,
      // from the recent row down to the first full row, and back up into it
      ArrowDown: () => (index < recent.length ? recent.length + column : index + COLUMNS),
      ArrowUp: () => (index < recent.length ? index : index - recent.length < COLUMNS ? Math.min(column, recent.length - 1) : index - COLUMNS),
    };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    const target = move();
    // Up from the first full row without a recent row above it stays put
    focusAt(target < 0 ? index : target);
  });

  host.replaceChildren(box);
  focusAt(0);
  return () => box.remove();
}
