import { Alert, Button, Spin } from 'antd';
import { Fragment, useEffect, useMemo, useState } from 'react';
import { conversations as conversationsApi } from '../api/client';
import type { ConversationPublic, ConversationUpdate, KnowledgeBase, MessagePublic, ModelInfo } from '../api/types';
import { useStore } from '../common/store';
import { useResource } from '../common/useResource';
import { errorText } from '../common/errors';
import { useI18n } from '../i18n';
import { MessageAttachments } from './attachments';
import { ChatToolbar } from './ChatToolbar';
import { Composer } from './Composer';
import { activePath, savedFields, siblingInfo, type Selection } from './conversationStore';
import { MessageItem } from './MessageItem';
import { MessageList } from './MessageList';
import { StatusLine } from './StatusLine';
import { dropDelivered, outboxStore, removeFromOutbox } from './outbox';
import { OutboxMessage } from './OutboxMessage';
import { useShortcuts } from './shortcuts';
import { clearStream, deliver, regenerate, resume, sendMessage, stop, streamStore, withLive } from './streams';

interface Props {
  userId: number;
  conversationId: number;
  models: ModelInfo[];
  knowledgeBases: KnowledgeBase[];
  onUpdate: (id: number, patch: ConversationUpdate) => Promise<ConversationPublic>;
  /** Called when the conversation list may have changed (a new title, a new order). */
  onListChanged: () => void;
  onOpenList?: () => void;
}

/** One conversation: pickers, the active branch of messages, the status line and the input. */
export function ChatView({ userId, conversationId: id, models, knowledgeBases, onUpdate, onListChanged, onOpenList }: Props) {
  const { t } = useI18n();
  const detail = useResource(() => conversationsApi.get(id), [id]);
  const live = useStore(streamStore)[id];
  const [selection, setSelection] = useState<Selection>({});
  const outbox = useStore(outboxStore);
  const unsent = outbox.filter((i) => i.conversationId === id && i.userId === userId && i.state !== 'sending');

  const all = useMemo(() => withLive(detail.data?.messages ?? [], live), [detail.data, live]);
  const path = useMemo(() => activePath(all, selection), [all, selection]);
  const busy = !!live?.active;

  // A finished answer is fetched from the server; the stream is dropped once the server's copy has it.
  const finishedId = live && !live.active ? live.assistantMessageId : undefined;
  useEffect(() => {
    if (finishedId) void detail.reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [finishedId]);
  useEffect(() => {
    const stored = detail.data?.messages.find((m) => m.id === finishedId);
    if (stored && stored.status !== 'pending' && stored.status !== 'streaming') {
      clearStream(id);
      onListChanged();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [detail.data, finishedId, id]);

  // The server titles a conversation from its first question once the exchange is saved.
  const exchangeSaved = live?.userMessageId;
  useEffect(() => {
    if (exchangeSaved) onListChanged();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [exchangeSaved]);

  // A question sent just before a reload may have arrived: then the server's copy replaces the outbox's.
  useEffect(() => {
    if (detail.data) dropDelivered(id, detail.data.messages.filter((m) => m.role === 'user'));
  }, [detail.data, id]);

  // After a reload mid-answer, follow the answer still being generated.
  useEffect(() => {
    const running = detail.data?.messages.find((m) => m.role === 'assistant' && (m.status === 'streaming' || m.status === 'pending'));
    if (running) resume(id, running);
  }, [detail.data, id]);

  const unselect = (parentKey: string) =>
    setSelection(({ [parentKey]: _drop, ...rest }) => rest);

  /**
   * The server appends a question after the conversation's newest message (whatever branch is
   * shown), and the newest-first branch always ends there: show that branch.
   */
  const send = (content: string, attachmentIds: number[] = []) => {
    const newest = Math.max(0, ...(detail.data?.messages ?? []).map((m) => m.id));
    setSelection({});
    sendMessage(userId, id, attachmentIds.length ? { content, attachment_ids: attachmentIds } : { content }, newest || null);
  };
  const onRegenerate = (m: MessagePublic) => {
    unselect(siblingInfo(all, m).parentKey);
    regenerate(id, m);
  };
  /** Edit-and-resend: the edited question becomes a sibling of the original (same parent), a new branch. */
  const onEdit = (m: MessagePublic, content: string) => {
    setSelection({});
    sendMessage(userId, id, { content, parent_id: m.parent_id }, m.parent_id);
  };
  const onRetry = (m: MessagePublic) => {
    if (m.id > 0) return onRegenerate(m);
    if (live?.userContent !== undefined) send(live.userContent);
  };

  useShortcuts({ stop: busy ? () => void stop(id) : undefined });

  if (detail.error && !detail.data)
    return (
      <Alert
        type="error"
        style={{ margin: 24 }}
        message={errorText(detail.error, t)}
        action={<Button onClick={detail.reload}>{t('common.retry')}</Button>}
      />
    );
  if (!detail.data) return <Spin style={{ display: 'block', margin: '20vh auto' }} />;

  const changeSettings = async (patch: ConversationUpdate) => {
    const saved = savedFields(await onUpdate(id, patch), patch);
    detail.setData((d) => (d ? { ...d, ...saved } : d));
  };

  return (
    <div className="lm-chat" data-testid="chat-view" data-conversation-id={id}>
      <ChatToolbar
        conversation={detail.data}
        models={models}
        knowledgeBases={knowledgeBases}
        onOpenList={onOpenList}
        onChange={changeSettings}
      />
      <MessageList empty={!path.length && !unsent.length} contentKey={`${path.length}:${live?.text.length ?? 0}:${unsent.length}`}>
        {path.map((m) => (
          <Fragment key={m.id}>
            <MessageItem
              message={m}
              siblings={siblingInfo(all, m)}
              busy={busy}
              onSelectSibling={(parentKey, childId) => setSelection((s) => ({ ...s, [parentKey]: childId }))}
              onRegenerate={onRegenerate}
              onEdit={onEdit}
              onRetry={onRetry}
            />
            <MessageAttachments message={m} />
          </Fragment>
        ))}
        {unsent.map((item) => (
          <OutboxMessage key={item.key} item={item} onSend={(i) => !busy && deliver(i)} onDiscard={(i) => removeFromOutbox(i.key)} />
        ))}
      </MessageList>
      <div className="lm-chat-bottom">
        <StatusLine stream={live} />
        <Composer key={id} conversationId={id} streaming={busy} onSend={send} onStop={() => void stop(id)} />
      </div>
    </div>
  );
}
