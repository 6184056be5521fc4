import { useCallback, useEffect, useRef, useState } from 'react';
import { conversations as api } from '../api/client';
import type { ConversationPublic, ConversationUpdate } from '../api/types';
import { Overlay } from '../common/overlay';
import {
  patchConversation,
  readCachedConversations,
  savedFields,
  withConversation,
  withoutConversation,
  writeCachedConversations,
} from './conversationStore';

/**
 * The conversation list: shown from the localStorage cache at once, then the server's. Local
 * changes are replayed over list answers that may predate them (see Overlay), so a list load
 * started before a rename, a create or a delete cannot undo it; updates show at once.
 */
export function useConversations(userId: number, query: string) {
  const [overlay] = useState(() => new Overlay<ConversationPublic[]>(readCachedConversations(userId)));
  const [items, setItems] = useState(() => overlay.value);
  const [loading, setLoading] = useState(true);
  const latestLoad = useRef(0);

  const show = useCallback(() => {
    const list = overlay.value;
    setItems(list);
    if (!query) writeCachedConversations(userId, list);
  }, [overlay, userId, query]);

  const reload = useCallback(async () => {
    const load = overlay.startLoad();
    latestLoad.current = load;
    setLoading(true);
    try {
      const page = await api.list({ q: query || undefined });
      if (overlay.loaded(load, page.items)) show();
    } finally {
      if (load === latestLoad.current) setLoading(false);
    }
  }, [overlay, query, show]);

  useEffect(() => {
    const timer = setTimeout(() => void reload().catch(() => undefined), query ? 250 : 0);
    return () => clearTimeout(timer);
  }, [reload, query]);

  const create = async (body: ConversationUpdate) => {
    const c = await api.create(body);
    overlay.apply(withConversation(c));
    show();
    return c;
  };
  /** Optimistic: shown at once, replaced by the server's values when saved, undone if the PATCH fails. */
  const update = async (id: number, body: ConversationUpdate) => {
    const change = overlay.begin(patchConversation(id, body));
    show();
    try {
      const c = await api.update(id, body);
      change.settle(patchConversation(id, savedFields(c, body)));
      return c;
    } catch (e) {
      change.cancel();
      throw e;
    } finally {
      show();
    }
  };
  const remove = async (id: number) => {
    await api.remove(id);
    overlay.apply(withoutConversation(id));
    show();
  };
  return { items, loading, reload, create, update, remove };
}
