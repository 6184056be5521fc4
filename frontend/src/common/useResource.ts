import { useCallback, useEffect, useRef, useState, type SetStateAction } from 'react';
import { Overlay } from './overlay';

/**
 * Loads data from an async function; reload() fetches again, setData() updates locally.
 * A local update is replayed over the answer of a load that started before it (see Overlay),
 * and an answer older than the one shown is dropped. Updater functions must be idempotent.
 */
export function useResource<T>(load: () => Promise<T>, deps: unknown[], initial?: T) {
  const [overlay] = useState(() => new Overlay<T | undefined>(initial));
  const [data, setState] = useState<T | undefined>(initial);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const latestLoad = useRef(0);

  const reload = useCallback(async () => {
    const mine = overlay.startLoad();
    latestLoad.current = mine;
    setLoading(true);
    try {
      const value = await loadRef.current();
      if (overlay.loaded(mine, value)) {
        setState(overlay.value);
        setError(null);
      }
    } catch (e) {
      if (mine === latestLoad.current) setError(e as Error);
    } finally {
      if (mine === latestLoad.current) setLoading(false);
    }
  }, [overlay]);

  const setData = useCallback(
    (next: SetStateAction<T | undefined>) => {
      overlay.apply(typeof next === 'function' ? (next as (prev: T | undefined) => T | undefined) : () => next);
      setState(overlay.value);
    },
    [overlay],
  );

  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => void reload(), deps);
  return { data, setData, error, loading, reload };
}
