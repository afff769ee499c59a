/**
 * This tab's storage: `sessionStorage` where the browser allows it, else memory. Every page works without Web
 * Storage (DESIGN.md, Decisions of 2026-11-30): a browser that refuses it (storage disabled, some private modes
 * throw on access) keeps what the tab needs in memory, which a reload then forgets.
 */
export interface TabStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const memory = new Map<string, string>();

function webStorage(): Storage | null {
  try {
    const storage = globalThis.sessionStorage;
    // Reading is not enough: Safari's old private mode let a page read but threw on every write.
    storage.setItem('kit.probe', '1');
    storage.removeItem('kit.probe');
    return storage;
  } catch {
    return null;
  }
}

/** `sessionStorage`, or memory when it is not to be had; asked afresh on each call, so tests may clear it. */
export const tabStorage: TabStorage = {
  getItem: (key) => {
    const storage = webStorage();
    return storage ? storage.getItem(key) : (memory.get(key) ?? null);
  },
  setItem: (key, value) => {
    const storage = webStorage();
    if (storage) storage.setItem(key, value);
    else memory.set(key, value);
  },
  removeItem: (key) => {
    webStorage()?.removeItem(key);
    memory.delete(key);
  },
};

/**
 * Whether what this tab keeps survives a reload: false when the browser refuses Web Storage and `tabStorage`
 * keeps it in memory. Pages say so where it matters (a reload signs out, or forgets a payment link).
 */
export function storageSurvivesReload(): boolean {
  return webStorage() !== null;
}

/** What a signed-in page says when `storageSurvivesReload()` is false. */
export const RELOAD_SIGNS_OUT = 'This browser does not let this site keep data, so reloading the page signs you out.';
