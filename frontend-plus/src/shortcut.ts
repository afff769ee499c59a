/**
 * The "/" shortcut to client search (WCAG 2.1.4, Character Key Shortcuts): a single-character shortcut must be
 * possible to turn off. The choice is kept in `localStorage` (every tab, across sign-ins) where the browser
 * allows it, else for this page only.
 */
const KEY = 'plus.slash-shortcut';
let inMemory: string | null = null;

export function slashShortcutOn(): boolean {
  try {
    return (globalThis.localStorage.getItem(KEY) ?? inMemory) !== 'off';
  } catch {
    return inMemory !== 'off';
  }
}

export function setSlashShortcut(on: boolean): void {
  inMemory = on ? 'on' : 'off';
  try {
    globalThis.localStorage.setItem(KEY, inMemory);
  } catch {
    // kept in memory only
  }
}
