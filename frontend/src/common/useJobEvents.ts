import { useEffect, useRef } from 'react';
import { followEvents, type JobEvent } from '../api/events';

type Open = (lastEventId: string | null, signal: AbortSignal) => Promise<Response>;

/** Follows a job's SSE events while `open` is non-null (reconnecting with Last-Event-ID). */
export function useJobEvents(open: Open | null, onEvent: (e: JobEvent) => void, key: unknown): void {
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;
  const enabled = open !== null;
  const openRef = useRef(open);
  openRef.current = open;
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    const connect: Open = (id, signal) => openRef.current!(id, signal);
    followEvents({
      open: (signal) => connect(null, signal),
      reopen: connect,
      onEvent: (e) => onEventRef.current(e),
      signal: controller.signal,
    }).catch(() => undefined);
    return () => controller.abort();
  }, [enabled, key]);
}
