import { LoadingOutlined, PaperClipOutlined } from '@ant-design/icons';
import { Space, Tag, Tooltip } from 'antd';
import { useCallback, useState } from 'react';
import { conversations, knowledge } from '../api/client';
import type { DocumentPublic, MessagePublic } from '../api/types';
import { errorText } from '../common/errors';
import { useJobEvents } from '../common/useJobEvents';
import { useI18n } from '../i18n';

/** A file attached in the composer: uploading (`percent`), then indexing (`doc`), or refused (`error`). */
export interface PendingAttachment {
  key: string;
  name: string;
  percent: number;
  doc?: DocumentPublic;
  indexing?: { stage: string; done: number; total: number };
  error?: string;
}

const TERMINAL = new Set(['indexed', 'failed']);
let counter = 0;

/** The composer's attachments: each file is uploaded into the conversation's private knowledge base at once. */
export function useAttachments(conversationId: number) {
  const { t } = useI18n();
  const [items, setItems] = useState<PendingAttachment[]>([]);
  const update = useCallback(
    (key: string, fields: Partial<PendingAttachment>) => setItems((list) => list.map((i) => (i.key === key ? { ...i, ...fields } : i))),
    [],
  );
  const add = async (file: File) => {
    const key = `${Date.now().toString(36)}-${counter++}`;
    setItems((list) => [...list, { key, name: file.name, percent: 0 }]);
    try {
      const doc = await conversations.attach(conversationId, file, (percent) => update(key, { percent }));
      update(key, { doc, percent: 100, error: doc.status === 'failed' ? (doc.error ?? t('chat.attach.failed')) : undefined });
    } catch (err) {
      update(key, { error: errorText(err, t) });
    }
  };
  const remove = (key: string) => setItems((list) => list.filter((i) => i.key !== key));
  return {
    items,
    add,
    remove,
    update,
    clear: () => setItems([]),
    /** Documents ready to ground the question; null while any attachment is still uploading or indexing. */
    readyIds: items.every((i) => i.error || i.doc?.status === 'indexed') ? items.filter((i) => !i.error).map((i) => i.doc!.id) : null,
  };
}

/** One attachment in the composer, following its indexing until it is indexed or failed. */
export function AttachmentChip({ item, onUpdate, onRemove }: { item: PendingAttachment; onUpdate: (fields: Partial<PendingAttachment>) => void; onRemove: () => void }) {
  const { t } = useI18n();
  const doc = item.doc;
  const following = !!doc && !TERMINAL.has(doc.status);
  useJobEvents(
    following ? (lastId, signal) => knowledge.documentEvents(doc.id, lastId, signal) : null,
    (e) => {
      if (!doc) return;
      if (e.type === 'progress') onUpdate({ indexing: e.data, doc: { ...doc, status: e.data.stage } });
      else if (e.type === 'done') onUpdate({ doc: { ...doc, ...(e.data?.document ?? e.data), status: 'indexed' } });
      else if (e.type === 'error') onUpdate({ doc: { ...doc, status: 'failed' }, error: e.data?.message ?? t('chat.attach.failed') });
    },
    doc?.id,
  );
  const status = item.error ? 'failed' : !doc ? 'uploading' : doc.status;
  const detail = item.error
    ? item.error
    : !doc
      ? t('chat.attach.uploading', { n: item.percent })
      : doc.status === 'indexed'
        ? t('chat.attach.ready')
        : item.indexing && item.indexing.total > 0
          ? t('chat.attach.indexingProgress', { done: item.indexing.done, total: item.indexing.total })
          : t('chat.attach.indexing');
  return (
    <Tooltip title={detail}>
      <Tag
        closable
        onClose={onRemove}
        color={item.error ? 'error' : status === 'indexed' ? 'success' : 'processing'}
        icon={status === 'indexed' || item.error ? <PaperClipOutlined /> : <LoadingOutlined />}
        data-testid="attachment-chip"
        data-status={status}
        className="lm-attachment-chip"
      >
        <span className="lm-ellipsis lm-attachment-name">{item.name}</span>
        {!item.error && status !== 'indexed' && <span className="lm-attachment-detail"> · {detail}</span>}
      </Tag>
    </Tooltip>
  );
}

/** The files a sent question carried, under the question. */
export function MessageAttachments({ message }: { message: MessagePublic }) {
  const { t } = useI18n();
  if (message.role !== 'user' || !message.attachments?.length) return null;
  return (
    <Space size={4} wrap className="lm-message-attachments" aria-label={t('chat.attach.sent')}>
      {message.attachments.map((a) => (
        <Tag key={a.document_id} icon={<PaperClipOutlined />} data-testid="message-attachment">
          {a.filename}
        </Tag>
      ))}
    </Space>
  );
}
