import { describe, expect, it } from 'vitest';
import { queueFields } from './queue';

const NO_WORKER = 'No indexing worker is running; start one with ./start_all.sh or `celery -A worker.celery_app worker -Q indexing`.';

describe('queueFields', () => {
  it('keeps the position and the no-worker message of a queued status', () => {
    expect(queueFields({ state: 'queued', queue_position: 3, message: NO_WORKER })).toEqual({ queue_position: 3, queue_message: NO_WORKER });
  });

  it('has no message while a worker consumes the queue, and no position when the server has none', () => {
    expect(queueFields({ state: 'queued', queue_position: 1 })).toEqual({ queue_position: 1, queue_message: null });
    expect(queueFields({ state: 'queued', queue_position: null })).toEqual({ queue_position: null, queue_message: null });
  });

  it('clears both once the work left the queue', () => {
    expect(queueFields({ state: 'parsing', queue_position: 2, message: NO_WORKER })).toEqual({ queue_position: null, queue_message: null });
  });
});
