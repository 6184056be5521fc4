import type { StatusEventData } from '../api/types';

export interface QueueFields {
  queue_position: number | null;
  queue_message: string | null;
}

/** A job's or document's queue fields after a `status` event: set while it waits, cleared once a worker took it. */
export function queueFields(data: StatusEventData): QueueFields {
  if (data.state !== 'queued') return { queue_position: null, queue_message: null };
  return { queue_position: data.queue_position ?? null, queue_message: data.message ?? null };
}
