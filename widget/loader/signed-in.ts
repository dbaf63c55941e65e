/**
 * Remembers in the host page's localStorage that someone was signed in to this site's chat, so the next page view
 * loads the app when the page is idle and the unread badge works before the panel is opened. Only a flag: the
 * session itself stays in the iframe's cookie. `flag()` reads it, `flag(signedIn)` writes it.
 */
export function signedInFlag(site: string): (signedIn?: boolean) => boolean {
  const key = `parley:${site}:signed-in`;
  return (signedIn) => {
    // storage may be blocked (privacy settings, sandboxed pages): then nothing is remembered, and nothing breaks
    try {
      if (signedIn) localStorage.setItem(key, '1');
      else if (signedIn === false) localStorage.removeItem(key);
      return localStorage.getItem(key) === '1';
    } catch {
      return false;
    }
  };
}
