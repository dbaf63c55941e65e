// The image viewer: a lazy chunk of its own, loaded the first time someone opens an image. Plain DOM with its strings
// in all three languages and its own style sheet, so it imports nothing from app.js (test/unit/bundle-size.test.ts
// keeps chunks that way). A modal <dialog>: the browser keeps focus inside it, Escape closes it, and focus returns
// to the thumbnail that opened it.

const strings: Record<'en' | 'es' | 'zh', { close: string }> = {
  en: { close: 'Close' },
  es: { close: 'Cerrar' },
  zh: { close: '关闭' },
};

const CSS = `
.lightbox{max-width:calc(100vw - 16px);max-height:calc(100vh - 16px);padding:8px;border:0;border-radius:12px;background:var(--surface);color:inherit}
.lightbox::backdrop{background:rgb(0 0 0/.7)}
.lightbox img{display:block;max-width:100%;max-height:calc(100vh - 80px);margin:0 auto}
.lightbox p{display:flex;justify-content:space-between;align-items:center;gap:8px;margin:8px 0 0;overflow-wrap:anywhere}
`;

let sheet: CSSStyleSheet | undefined;

export interface LightboxOptions {
  /** The app's locale (BCP 47); its language's strings, else English. */
  locale: string;
  /** The image's address, and its file name (its accessible name too). */
  src: string;
  name: string;
  onClose: () => void;
}

/** Shows the image in a modal dialog in `host`; the function it answers removes it. */
export function mountLightbox(host: HTMLElement, { locale, src, name, onClose }: LightboxOptions): () => void {
  const text = strings[locale.split('-')[0] as keyof typeof strings] ?? strings.en;
  if ('adoptedStyleSheets' in document && !sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }
  const dialog = document.createElement('dialog');
  dialog.className = 'lightbox';
  dialog.setAttribute('aria-label', name);
  const image = document.createElement('img');
  image.src = src;
  image.alt = name;
  const caption = document.createElement('p');
  const title = document.createElement('span');
  title.textContent = name;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'secondary';
  close.textContent = text.close;
  close.onclick = () => dialog.close();
  caption.append(title, close);
  dialog.append(image, caption);
  // Escape, the button, or a click on the backdrop. Escape is handled here, and marked so, or the app would also
  // close the whole panel
  dialog.addEventListener('close', onClose);
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    dialog.close();
  });
  dialog.addEventListener('click', (event) => event.target === dialog && dialog.close());
  host.append(dialog);
  dialog.showModal();
  close.focus();
  return () => {
    dialog.removeEventListener('close', onClose);
    if (dialog.open) dialog.close();
    dialog.remove();
  };
}
