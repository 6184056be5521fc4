import { useEffect, useState } from 'react';
import { system } from '../api/client';
import type { SystemResources } from '../api/types';

export interface Sample {
  t: number;
  r: SystemResources;
}

/** Polls GET /system/resources and keeps the last `keep` samples. */
export function useResourceHistory(intervalMs = 2000, keep = 90) {
  const [samples, setSamples] = useState<Sample[]>([]);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      try {
        const r = await system.resources();
        if (stopped) return;
        setSamples((s) => [...s.slice(-(keep - 1)), { t: Date.now(), r }]);
        setError(null);
      } catch (e) {
        if (!stopped) setError(e as Error);
      }
      if (!stopped) timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [intervalMs, keep]);
  return { samples, error };
}
