import type { SendMessageBody } from '../api/types';
import { Store } from '../common/store';

/** A question the server has not acknowledged yet: kept in localStorage until it is, so a reload loses nothing. */
export interface OutboxItem {
  key: string;
  userId: number;
  conversationId: number;
  body: SendMessageBody;
  /** Where the question shows until it is sent (the conversation's newest message then). */
  parentId: number | null;
  createdAt: string;
  /** `waiting`: no network, sent again automatically; `failed`: the server refused it, sent again on Retry. */
  state: 'sending' | 'waiting' | 'failed';
  error?: { status: number; code: string; message: string };
  /** It was being sent when the page went away: the server may already have it (see dropDelivered). */
  maybeSent?: boolean;
}

const KEY = 'lm.outbox';

function read(): OutboxItem[] {
  try {
    const items = JSON.parse(localStorage.getItem(KEY) ?? '[]') as OutboxItem[];
    return Array.isArray(items) ? items.map((i) => (i.state === 'sending' ? { ...i, state: 'waiting', maybeSent: true } : i)) : [];
  } catch {
    return [];
  }
}

export const outboxStore = new Store<OutboxItem[]>(read());
outboxStore.subscribe(() => {
  const items = outboxStore.get();
  if (items.length) localStorage.setItem(KEY, JSON.stringify(items));
  else localStorage.removeItem(KEY);
});

let counter = 0;

export function addToOutbox(item: Omit<OutboxItem, 'key' | 'createdAt' | 'state'>): OutboxItem {
  const full: OutboxItem = { ...item, key: `${Date.now().toString(36)}-${(counter++).toString(36)}`, createdAt: new Date().toISOString(), state: 'sending' };
  outboxStore.set((items) => [...items, full]);
  return full;
}

export function updateOutbox(key: string, fields: Partial<OutboxItem>): void {
  outboxStore.set((items) => items.map((i) => (i.key === key ? { ...i, ...fields } : i)));
}

export function removeFromOutbox(key: string): void {
  outboxStore.set((items) => items.filter((i) => i.key !== key));
}

/** The next question to send per conversation: the oldest one waiting for the network. */
export function nextWaiting(items: OutboxItem[], userId: number): OutboxItem[] {
  const seen = new Set<number>();
  const out: OutboxItem[] = [];
  for (const item of items) {
    if (item.userId !== userId || seen.has(item.conversationId)) continue;
    seen.add(item.conversationId);
    if (item.state === 'waiting') out.push(item);
  }
  return out;
}

/**
 * Drops items the server already has: one that was being sent when the page went away arrived if the
 * conversation has a user message with its text, stored after it was queued (a minute of clock skew allowed).
 */
export function dropDelivered(conversationId: number, userMessages: { content: string; created_at: string }[]): void {
  const arrived = (i: OutboxItem) =>
    i.conversationId === conversationId &&
    !!i.maybeSent &&
    userMessages.some((m) => m.content === i.body.content && Date.parse(m.created_at) >= Date.parse(i.createdAt) - 60_000);
  if (outboxStore.get().some(arrived)) outboxStore.set((items) => items.filter((i) => !arrived(i)));
}
