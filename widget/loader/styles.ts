// the host page's CSS cannot reach into the shadow root, and `all: initial` stops it styling the host element itself
export const launcherCss = `
:host{all:initial!important}
*{box-sizing:border-box}
[hidden]{display:none!important}
.launcher{position:fixed;right:16px;bottom:16px;z-index:2147483000;width:56px;height:56px;margin:0;padding:0;border:0;border-radius:50%;display:grid;place-items:center;background:#4f46e5;color:#fff;cursor:pointer;box-shadow:0 6px 20px rgba(17,24,39,.3);transition:transform .15s ease,background-color .15s ease}
.launcher:hover{background:#4338ca;transform:scale(1.05)}
.launcher:focus-visible{outline:3px solid #a5b4fc;outline-offset:3px}
.launcher svg{width:26px;height:26px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}
.launcher[aria-expanded=true] .icon-open,.launcher[aria-expanded=false] .icon-close{display:none}
.panel{position:fixed;right:16px;bottom:84px;z-index:2147483000;display:block;width:min(370px,calc(100vw - 32px));height:min(560px,calc(100vh - 120px));margin:0;padding:0;border:0;border-radius:16px;background:#fff;box-shadow:0 12px 48px rgba(17,24,39,.3);color-scheme:light}
.notice{position:fixed;right:16px;bottom:84px;z-index:2147483000;max-width:min(300px,calc(100vw - 32px));margin:0;padding:12px 14px;border-radius:12px;background:#111827;color:#fff;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;box-shadow:0 8px 24px rgba(17,24,39,.3)}
@media (prefers-reduced-motion:no-preference){.panel{transition:opacity .18s ease,transform .18s ease}@starting-style{.panel{opacity:0;transform:translateY(8px)}}}
@media (forced-colors:active){.launcher,.panel{border:2px solid CanvasText}}
`;
