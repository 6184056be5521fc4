import { useCallback, useEffect, useState } from 'react';
import { conversations as api } from '../api/client';
import type { ConversationPublic, ConversationUpdate } from '../api/types';
import { readCachedConversations, writeCachedConversations } from './conversationStore';

/** The conversation list: shown from the localStorage cache at once, then replaced by the server's. */
export function useConversations(userId: number, query: string) {
  const [items, setItems] = useState<ConversationPublic[]>(() => readCachedConversations(userId));
  const [loading, setLoading] = useState(true);

  const reload = useCallback(async () => {
    setLoading(true);
    try {
      const page = await api.list({ q: query || undefined });
      setItems(page.items);
      if (!query) writeCachedConversations(userId, page.items);
    } finally {
      setLoading(false);
    }
  }, [userId, query]);

  useEffect(() => {
    const timer = setTimeout(() => void reload().catch(() => undefined), query ? 250 : 0);
    return () => clearTimeout(timer);
  }, [reload, query]);

  const replace = useCallback(
    (next: ConversationPublic[]) => {
      setItems(next);
      if (!query) writeCachedConversations(userId, next);
    },
    [userId, query],
  );

  const create = async (body: ConversationUpdate) => {
    const c = await api.create(body);
    replace([c, ...items]);
    return c;
  };
  const update = async (id: number, body: ConversationUpdate) => {
    const c = await api.update(id, body);
    replace(items.map((x) => (x.id === id ? c : x)));
    return c;
  };
  const remove = async (id: number) => {
    await api.remove(id);
    replace(items.filter((x) => x.id !== id));
  };
  return { items, loading, reload, create, update, remove };
}
