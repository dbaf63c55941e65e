// The shop's own script, loaded before the Parley tag. A strict CSP forbids inline scripts, so the settings, the
// queue stub and the handler of the shop's own chat button live in a file of the site's, as they would on a real site.

// Options for the widget; the tag's data-* attributes win over these.
window.ParleySettings = { accent: '#2f7d73' };

// The queue stub: window.Parley works before widget.js has loaded; calls wait in window.Parley.q.
window.Parley = window.Parley || function () { (window.Parley.q = window.Parley.q || []).push(arguments); };

document.getElementById('chat-button').addEventListener('click', function () {
  window.Parley('open');
});
