import { useCallback, useEffect, useRef, useState, type SetStateAction } from 'react';

/**
 * Loads data from an async function; reload() fetches again, setData() updates locally.
 * An answer is dropped when a newer reload or a local update happened meanwhile.
 */
export function useResource<T>(load: () => Promise<T>, deps: unknown[], initial?: T) {
  const [data, setState] = useState<T | undefined>(initial);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const value = await loadRef.current();
      if (mine === generation.current) {
        setState(value);
        setError(null);
      }
    } catch (e) {
      if (mine === generation.current) setError(e as Error);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  const setData = useCallback((next: SetStateAction<T | undefined>) => {
    generation.current += 1;
    setLoading(false);
    setState(next);
  }, []);

  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => void reload(), deps);
  return { data, setData, error, loading, reload };
}
