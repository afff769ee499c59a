import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/**
 * An action started by a person (a button). While it runs `busy` is true and a
 * second start is ignored, so nothing is ever submitted twice.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const running = useRef(false);
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    if (running.current) return undefined;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      return await action();
    } catch (caught) {
      setError(caught);
      return undefined;
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}

/** Loads data when `deps` change; `reload()` fetches again (quietly, keeping what is shown). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const value = await loadRef.current();
      if (mine === generation.current) {
        setData(value);
        setError(null);
      }
    } catch (caught) {
      if (mine === generation.current) setError(caught);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    setLoading(true);
    void reload();
    // Results of an older request are dropped when deps change (generation).
    return () => {
      generation.current++;
    };
  }, deps);

  return { data, error, loading, reload };
}

/** Calls `tick` every `ms` while mounted and the tab is visible. */
export function usePolling(tick: () => void, ms: number) {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    const id = setInterval(() => {
      if (document.visibilityState !== 'hidden') tickRef.current();
    }, ms);
    return () => clearInterval(id);
  }, [ms]);
}
