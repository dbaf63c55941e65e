/** True when this document has focus but no element holds it, e.g. the focused control was just removed or disabled. */
export function focusIsLost(): boolean {
  // without document focus the user is on the host page: never pull them into the panel
  if (!document.hasFocus()) return false;
  const active = document.activeElement;
  return active === null || active === document.body;
}

/** Focuses the first field the user can type in: the username, or the message box. */
export function focusFirstField(): void {
  document.querySelector<HTMLElement>('input:not(:disabled), textarea:not(:disabled)')?.focus();
}
