// The site owners' console, served at /console/ on the backend's origin: its own session cookie, never in host pages.
import { render } from 'preact';
import { App } from './app';
import { chooseLanguage, setLanguage } from './i18n';

setLanguage(chooseLanguage([...navigator.languages, navigator.language]));
const root = document.getElementById('console');
if (root) render(<App />, root);
