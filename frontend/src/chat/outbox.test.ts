import { beforeEach, describe, expect, it } from 'vitest';
import { addToOutbox, dropDelivered, nextWaiting, outboxStore, updateOutbox, type OutboxItem } from './outbox';

const item = (fields: Partial<OutboxItem>): OutboxItem => ({
  key: 'k',
  userId: 1,
  conversationId: 1,
  body: { content: 'q' },
  parentId: null,
  createdAt: '2026-01-01T00:00:00Z',
  state: 'waiting',
  ...fields,
});

describe('outbox', () => {
  beforeEach(() => outboxStore.set([]));

  it('persists every change to localStorage and empties it when nothing is left', () => {
    const added = addToOutbox({ userId: 1, conversationId: 5, body: { content: 'offline question' }, parentId: 3 });
    const stored = JSON.parse(localStorage.getItem('lm.outbox')!) as OutboxItem[];
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ conversationId: 5, state: 'sending', body: { content: 'offline question' } });
    updateOutbox(added.key, { state: 'waiting' });
    expect(JSON.parse(localStorage.getItem('lm.outbox')!)[0].state).toBe('waiting');
    outboxStore.set([]);
    expect(localStorage.getItem('lm.outbox')).toBeNull();
  });

  it('sends in order: only the oldest item of each conversation, and only when it waits for the network', () => {
    const items = [
      item({ key: 'a1', conversationId: 1 }),
      item({ key: 'a2', conversationId: 1 }),
      item({ key: 'b1', conversationId: 2, state: 'failed' }),
      item({ key: 'b2', conversationId: 2 }),
      item({ key: 'c1', conversationId: 3, userId: 2 }),
    ];
    expect(nextWaiting(items, 1).map((i) => i.key)).toEqual(['a1']);
    expect(nextWaiting(items, 2).map((i) => i.key)).toEqual(['c1']);
  });

  it('drops an item cut off while sending once the server shows it arrived, and nothing else', () => {
    outboxStore.set([
      item({ key: 'cut', maybeSent: true, body: { content: 'same' } }),
      item({ key: 'never', body: { content: 'same' }, conversationId: 1 }),
    ]);
    dropDelivered(1, [{ content: 'other', created_at: '2026-01-01T00:00:01Z' }]);
    expect(outboxStore.get()).toHaveLength(2);
    dropDelivered(1, [{ content: 'same', created_at: '2026-01-01T00:00:01Z' }]);
    expect(outboxStore.get().map((i) => i.key)).toEqual(['never']);
  });
});
