// The host's accent colour, made safe to read: text on it and accent-coloured text keep WCAG AA contrast. A lazy
// chunk (main.tsx loads it only when the host sets an accent), so it imports nothing from app.js.
type Rgb = [number, number, number];

const WHITE: Rgb = [255, 255, 255];
const INK: Rgb = [17, 24, 39]; // --text in light mode
const DARK_SURFACE: Rgb = [17, 24, 39]; // --surface in dark mode
const DARK_RAISED: Rgb = [31, 41, 55];

/**
 * Sets the custom properties app.css reads: `--parley-accent` (fills: header, buttons), `--parley-on-accent` (text
 * on it), `--parley-accent-ink` and `--parley-accent-ink-dark` (accent text on light and dark surfaces).
 * Set with CSSOM on <html>: the page's CSP allows no inline style attributes, and needs none for this.
 */
export function applyAccent(accent: string): void {
  const rgb = parseHex(accent);
  if (!rgb) return;
  const fill = contrast(rgb, WHITE) >= 4.5 || contrast(rgb, INK) < 4.5 ? until(rgb, [0, 0, 0], WHITE, 4.5) : rgb;
  const style = document.documentElement.style;
  style.setProperty('--parley-accent', hex(fill));
  style.setProperty('--parley-on-accent', contrast(fill, WHITE) >= 4.5 ? '#fff' : hex(INK));
  // a little above 4.5: the text also sits on the accent's tinted bubbles
  style.setProperty('--parley-accent-ink', hex(until(rgb, [0, 0, 0], WHITE, 5.5)));
  // in dark mode it also sits on the accent's tint (16 % into the surface, as app.css mixes it): whichever is lighter
  const tint = mix(rgb, DARK_SURFACE, 0.84);
  style.setProperty('--parley-accent-ink-dark', hex(until(rgb, WHITE, luminance(tint) > luminance(DARK_RAISED) ? tint : DARK_RAISED, 5.5)));
}

function parseHex(value: string): Rgb | undefined {
  const digits = value.slice(1);
  const full = digits.length === 3 ? [...digits].map((d) => d + d).join('') : digits;
  if (!/^[0-9a-f]{6}$/i.test(full)) return undefined;
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as Rgb;
}

const hex = (rgb: Rgb) => `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;

function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: Rgb, b: Rgb): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

const mix = (rgb: Rgb, target: Rgb, amount: number) => rgb.map((c, i) => Math.round(c + (target[i]! - c) * amount)) as Rgb;

/** `rgb` moved toward `target` in small steps until it reaches `ratio` against `background`. */
function until(rgb: Rgb, target: Rgb, background: Rgb, ratio: number): Rgb {
  for (let step = 0; step <= 20; step += 1) {
    const mixed = mix(rgb, target, step / 20);
    if (contrast(mixed, background) >= ratio) return mixed;
  }
  return target;
}
