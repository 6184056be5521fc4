import { useCallback, useEffect, useRef, useState } from 'react';
import { conversations as api } from '../api/client';
import type { ConversationPublic, ConversationUpdate } from '../api/types';
import { readCachedConversations, writeCachedConversations } from './conversationStore';

/** The conversation list: shown from the localStorage cache at once, then replaced by the server's. */
export function useConversations(userId: number, query: string) {
  const [items, setItems] = useState<ConversationPublic[]>(() => readCachedConversations(userId));
  const [loading, setLoading] = useState(true);
  /** Bumped by every reload and local change: a slower, older list answer must not overwrite a newer state. */
  const version = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++version.current;
    setLoading(true);
    try {
      const page = await api.list({ q: query || undefined });
      if (mine !== version.current) return;
      setItems(page.items);
      if (!query) writeCachedConversations(userId, page.items);
    } finally {
      if (mine === version.current) setLoading(false);
    }
  }, [userId, query]);

  useEffect(() => {
    const timer = setTimeout(() => void reload().catch(() => undefined), query ? 250 : 0);
    return () => clearTimeout(timer);
  }, [reload, query]);

  const change = useCallback(
    (fn: (list: ConversationPublic[]) => ConversationPublic[]) => {
      version.current += 1;
      setLoading(false);
      setItems((list) => {
        const next = fn(list);
        if (!query) writeCachedConversations(userId, next);
        return next;
      });
    },
    [userId, query],
  );

  const create = async (body: ConversationUpdate) => {
    const c = await api.create(body);
    change((list) => [c, ...list]);
    return c;
  };
  const update = async (id: number, body: ConversationUpdate) => {
    const c = await api.update(id, body);
    change((list) => list.map((x) => (x.id === id ? c : x)));
    return c;
  };
  const remove = async (id: number) => {
    await api.remove(id);
    change((list) => list.filter((x) => x.id !== id));
  };
  return { items, loading, reload, create, update, remove };
}
