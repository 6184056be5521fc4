import { useEffect, useState } from 'react';
import { system } from '../api/client';
import type { SystemResources } from '../api/types';
import { tokensPerSecondBetween } from './prometheus';

export interface Sample {
  t: number;
  r: SystemResources;
  /** Mean decode speed of answers finished since the previous sample (from /metrics). */
  tokensPerS: number | null;
}

/** Polls GET /system/resources (and /metrics for tokens/s) and keeps the last `keep` samples. */
export function useResourceHistory(intervalMs = 2000, keep = 90) {
  const [samples, setSamples] = useState<Sample[]>([]);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    let lastMetrics: string | null = null;
    const tick = async () => {
      try {
        const [r, metrics] = await Promise.all([system.resources(), system.metrics().catch(() => null)]);
        if (stopped) return;
        const tokensPerS = metrics ? tokensPerSecondBetween(lastMetrics, metrics) : null;
        lastMetrics = metrics ?? lastMetrics;
        setSamples((s) => [...s.slice(-(keep - 1)), { t: Date.now(), r, tokensPerS }]);
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
