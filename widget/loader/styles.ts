// The host page's CSS cannot reach into the shadow root, and `all: initial` stops it styling the host element itself.
// Options arrive as --parley-* custom properties set on the host element through CSSOM, which a strict CSP allows;
// `all` leaves custom properties alone, and the defaults here stop a host page's own variables leaking in.
// Only the launcher, the notice and the open panel take space, each fixed: nothing invisible blocks clicks.
// Kept on few lines: every byte here is paid by every host page. The launcher keeps the browser's own focus ring,
// drawn in two colours so that it shows on any page.
export const launcherCss = `:host{all:initial!important;--parley-accent:#4f46e5;--parley-z:2147483000;--parley-left:auto;--parley-right:16px;--parley-bottom:88px}
.launcher,.panel,.notice{position:fixed;z-index:var(--parley-z);left:var(--parley-left);right:var(--parley-right);bottom:var(--parley-bottom);margin:0;border:0;box-shadow:0 8px 24px #1118274d}
.launcher{bottom:16px;width:56px;height:56px;padding:0;border-radius:50%;background:var(--parley-accent);color:#fff;cursor:pointer}
svg{display:block;margin:auto;width:26px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
[aria-expanded=true] .open,[aria-expanded=false] .close{display:none}
.badge{position:absolute;top:-4px;right:-4px;min-width:10px;padding:0 6px;border-radius:11px;background:#b91c1c;font:700 12px/22px system-ui,sans-serif}
.at{background:#111827}
.panel{width:min(380px,100vw - 32px);height:min(600px,100dvh - 16px - var(--parley-bottom));border-radius:16px;background:#fff}
.notice{max-width:272px;padding:12px 14px;border-radius:12px;background:#111827;color:#fff;font:14px/1.4 system-ui,sans-serif}
@media (max-width:480px){.panel{inset:0;width:100vw;height:100dvh;border-radius:0}.covered{display:none}}
@media (prefers-color-scheme:dark){.panel{background:#111827}.notice{background:#f9fafb;color:#111827}}
@media (forced-colors:active){.launcher,.panel{border:2px solid}}`;
