// The @ suggestions: a lazy chunk of its own, loaded the first time someone types an @ in the composer. Plain DOM with
// its strings in all three languages and its own style sheet, so it imports nothing from app.js
// (test/unit/bundle-size.test.ts keeps chunks that way).
//
// It takes over the composer's field: while the word at the caret starts with @, a list of the room's people whose
// name starts with the rest (online first) opens above the field. The field keeps the focus and points at the
// highlighted suggestion (aria-activedescendant), as a textarea may: Down and Up move, Enter or Tab picks, Escape
// closes; a click picks too. A pick writes "@Full Name " in place of the word and tells the app with an input
// event, so the composer's text and its mentions by name (the store's send) follow.

export interface MentionCandidate {
  id: string;
  displayName: string;
}

export interface MentionListOptions {
  /** The app's locale (BCP 47); its language's strings, else English. */
  locale: string;
  /** The composer's field. */
  field: HTMLTextAreaElement;
  /** Whom to suggest for what follows the @ (the room's `mentionCandidates`): online first, at most 8. */
  candidates: (prefix: string) => MentionCandidate[];
}

const strings: Record<'en' | 'es' | 'zh', { label: string }> = {
  en: { label: 'People to mention' },
  es: { label: 'Personas para mencionar' },
  zh: { label: '可提及的人' },
};

const CSS = `.mention-list{position:fixed;z-index:3;min-width:160px;max-width:calc(100vw - 24px);margin:0;padding:4px;list-style:none;border:1px solid var(--border);border-radius:8px;background:var(--surface);box-shadow:0 4px 16px rgb(0 0 0/.18)}
.mention-list li{padding:6px 10px;border-radius:6px;cursor:pointer;overflow-wrap:anywhere}
.mention-list [aria-selected=true]{background:var(--accent-soft);color:var(--accent-ink);font-weight:600}`;
let sheet: CSSStyleSheet | undefined;

// the word being typed at the caret: an @ at the start or after a space, then anything but spaces and @
const TYPING_MENTION = /(?:^|\s)@([^\s@]{0,64})$/u;

/** Suggests people to mention while an @ word is typed in `field`; answers what takes the suggestions away. */
export function attachMentionList({ locale, field, candidates }: MentionListOptions): () => void {
  const text = strings[locale.split('-')[0] as keyof typeof strings] ?? strings.en;
  if ('adoptedStyleSheets' in document && !sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }
  const list = document.createElement('ul');
  list.id = 'mention-list';
  list.className = 'mention-list';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', text.label);
  list.hidden = true;
  document.body.append(list);
  field.setAttribute('aria-autocomplete', 'list');

  let shown: MentionCandidate[] = [];
  let active = 0;
  // where the @ word starts in the field's text, while the list is open
  let start = 0;

  const close = () => {
    shown = [];
    list.hidden = true;
    list.replaceChildren();
    field.removeAttribute('aria-controls');
    field.removeAttribute('aria-activedescendant');
  };

  const highlight = (index: number) => {
    active = (index + shown.length) % shown.length;
    list.childNodes.forEach((option, i) => (option as Element).setAttribute('aria-selected', String(i === active)));
    field.setAttribute('aria-activedescendant', `mention-${active}`);
  };

  const pick = (person: MentionCandidate) => {
    const end = field.selectionStart;
    const inserted = `@${person.displayName} `;
    field.value = field.value.slice(0, start) + inserted + field.value.slice(end);
    field.selectionStart = field.selectionEnd = start + inserted.length;
    close();
    // the composer keeps its text in its state: it learns the new one as if typed
    field.dispatchEvent(new Event('input', { bubbles: true }));
    field.focus();
  };

  const update = () => {
    const caret = field.selectionStart;
    const typing = field.selectionEnd === caret ? TYPING_MENTION.exec(field.value.slice(0, caret)) : null;
    shown = typing ? candidates(typing[1]!) : [];
    if (!typing || !shown.length) return close();
    start = caret - typing[1]!.length - 1;
    list.replaceChildren(
      ...shown.map((person, i) => {
        const option = document.createElement('li');
        option.id = `mention-${i}`;
        option.setAttribute('role', 'option');
        option.textContent = person.displayName;
        // a press would take the focus from the field and close the list before the click
        option.onmousedown = (event) => event.preventDefault();
        option.onclick = () => pick(person);
        return option;
      }),
    );
    const box = field.getBoundingClientRect();
    list.style.left = `${box.left}px`;
    list.style.bottom = `${innerHeight - box.top + 4}px`;
    list.hidden = false;
    field.setAttribute('aria-controls', list.id);
    highlight(0);
  };

  // before the composer's own handler (capturing listeners at the target run first): Enter picks, not sends
  const onKeyDown = (event: KeyboardEvent) => {
    if (!shown.length || event.isComposing) return;
    const key = event.key;
    if (key === 'ArrowDown' || key === 'ArrowUp') highlight(active + (key === 'ArrowDown' ? 1 : -1));
    else if (key === 'Enter' || key === 'Tab') pick(shown[active]!);
    // and not the whole panel: the app closes it on an Escape nobody took
    else if (key === 'Escape') close();
    else return;
    event.preventDefault();
    event.stopImmediatePropagation();
  };

  // the caret moved without typing
  const onKeyUp = (event: KeyboardEvent) => /^(?:ArrowLeft|ArrowRight|Home|End)$/.test(event.key) && update();

  field.addEventListener('input', update);
  field.addEventListener('click', update);
  field.addEventListener('keyup', onKeyUp);
  field.addEventListener('keydown', onKeyDown, true);
  field.addEventListener('blur', close);
  update();
  return () => {
    field.removeEventListener('input', update);
    field.removeEventListener('click', update);
    field.removeEventListener('keyup', onKeyUp);
    field.removeEventListener('keydown', onKeyDown, true);
    field.removeEventListener('blur', close);
    field.removeAttribute('aria-autocomplete');
    close();
    list.remove();
  };
}
