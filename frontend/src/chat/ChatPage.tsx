import { App, Button, Drawer, Input } from 'antd';
import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { conversations as conversationsApi, knowledge, models as modelsApi } from '../api/client';
import type { ConversationPublic } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { useResource } from '../common/useResource';
import { useI18n } from '../i18n';
import { useIsMobile } from '../layout/useIsMobile';
import { ChatView } from './ChatView';
import { ConversationSidebar, SEARCH_INPUT_ID } from './ConversationSidebar';
import { forgetLastConversation, rememberLastConversation, takeReopenRequest } from './lastConversation';
import { outboxStore } from './outbox';
import { ShortcutSheet, useShortcuts } from './shortcuts';
import { streamStore } from './streams';
import { flushOutbox } from './streams';
import { useConversations } from './useConversations';
import { errorText } from '../common/errors';

const OUTBOX_RETRY_MS = 5000;

/** Chat page: conversation sidebar (a Drawer on mobile) and the selected conversation. */
export function ChatPage() {
  const { t } = useI18n();
  const { user } = useAuth();
  const { modal, message } = App.useApp();
  const navigate = useNavigate();
  const params = useParams();
  const activeId = params.conversationId ? Number(params.conversationId) : null;
  const isMobile = useIsMobile();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [sheetOpen, setSheetOpen] = useState(false);
  const list = useConversations(user!.id, query);
  const models = useResource(() => modelsApi.list(), [], []);
  const kbs = useResource(() => knowledge.list(), [], []);

  // Questions kept while offline go out when the network is back (and are retried every few seconds).
  const userId = user!.id;
  useEffect(() => {
    const flush = () => flushOutbox(userId);
    flush();
    window.addEventListener('online', flush);
    const timer = setInterval(flush, OUTBOX_RETRY_MS);
    return () => {
      window.removeEventListener('online', flush);
      clearInterval(timer);
    };
  }, [userId]);

  useEffect(() => {
    if (activeId) rememberLastConversation(userId, activeId);
  }, [userId, activeId]);

  // Signing in reopens the conversation the user was last in (if it still exists).
  useEffect(() => {
    if (list.loading) return;
    const last = takeReopenRequest(userId);
    if (!activeId && last && list.items.some((c) => c.id === last)) navigate(`/chat/${last}`, { replace: true });
  }, [activeId, list.loading, list.items, userId, navigate]);

  const open = (id: number) => {
    setDrawerOpen(false);
    navigate(`/chat/${id}`);
  };
  const fail = (e: unknown) => message.error(errorText(e, t));

  /** An open or newest conversation with nothing in it yet is reused, so New chat saves no empty ones. */
  const emptyConversation = async (): Promise<number | null> => {
    const candidates = [...new Set([activeId, list.items[0]?.id].filter((id): id is number => !!id))];
    for (const id of candidates) {
      if (streamStore.get()[id] || outboxStore.get().some((i) => i.conversationId === id)) continue;
      if (!(await conversationsApi.get(id)).messages.length) return id;
    }
    return null;
  };

  const createConversation = async () => {
    try {
      const reusable = await emptyConversation();
      if (reusable) {
        open(reusable);
        document.querySelector<HTMLTextAreaElement>('[data-testid="chat-input"]')?.focus();
        return;
      }
      // No model: the server starts the conversation on its DEFAULT_MODEL.
      open((await list.create({})).id);
    } catch (e) {
      fail(e);
    }
  };

  const rename = (c: ConversationPublic) => {
    let title = c.title ?? '';
    modal.confirm({
      title: t('chat.renameTitle'),
      icon: null,
      content: <Input defaultValue={title} onChange={(e) => (title = e.target.value)} data-testid="rename-input" autoFocus />,
      okText: t('common.save'),
      okButtonProps: { 'data-testid': 'rename-ok' },
      cancelText: t('common.cancel'),
      // The new title shows at once (optimistic); a failed save puts the old one back and says why.
      onOk: () => {
        if (title.trim()) void list.update(c.id, { title: title.trim() }).catch(fail);
      },
    });
  };

  const remove = async (id: number) => {
    try {
      await list.remove(id);
      forgetLastConversation(id);
      if (id === activeId) navigate('/chat');
    } catch (e) {
      fail(e);
    }
  };

  const sidebar = (
    <ConversationSidebar
      items={list.items}
      activeId={activeId}
      loading={list.loading}
      query={query}
      onQuery={setQuery}
      onNew={createConversation}
      onSelect={open}
      onRename={rename}
      onDelete={remove}
      onShortcuts={() => setSheetOpen(true)}
    />
  );

  useShortcuts({
    newChat: () => void createConversation(),
    search: () => {
      if (isMobile) setDrawerOpen(true);
      setTimeout(() => document.getElementById(SEARCH_INPUT_ID)?.focus(), isMobile ? 300 : 0);
    },
    help: () => setSheetOpen(true),
    // Esc closes the sheet even when the focus stayed on the page behind it.
    stop: sheetOpen ? () => setSheetOpen(false) : undefined,
  });

  return (
    <div className="lm-chat-page">
      <ShortcutSheet open={sheetOpen} onClose={() => setSheetOpen(false)} />
      {isMobile ? (
        <Drawer placement="left" open={drawerOpen} onClose={() => setDrawerOpen(false)} width={300} title={t('chat.conversations')}>
          {sidebar}
        </Drawer>
      ) : (
        <aside className="lm-chat-aside">{sidebar}</aside>
      )}
      <main className="lm-chat-main">
        {activeId ? (
          <ChatView
            key={activeId}
            userId={user!.id}
            conversationId={activeId}
            models={models.data ?? []}
            knowledgeBases={kbs.data ?? []}
            onUpdate={list.update}
            onListChanged={() => void list.reload().catch(() => undefined)}
            onOpenList={isMobile ? () => setDrawerOpen(true) : undefined}
          />
        ) : (
          <ChatLanding onNew={createConversation} onOpenList={isMobile ? () => setDrawerOpen(true) : undefined} />
        )}
      </main>
    </div>
  );
}

function ChatLanding({ onNew, onOpenList }: { onNew: () => void; onOpenList?: () => void }) {
  const { t } = useI18n();
  return (
    <div className="lm-chat-landing">
      <p>{t('chat.empty')}</p>
      <div style={{ display: 'flex', gap: 8, justifyContent: 'center' }}>
        {onOpenList && (
          <Button onClick={onOpenList} data-testid="open-conversations">
            {t('chat.conversations')}
          </Button>
        )}
        <Button type="primary" onClick={onNew} data-testid="landing-new-chat">
          {t('chat.new')}
        </Button>
      </div>
    </div>
  );
}
