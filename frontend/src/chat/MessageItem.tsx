import { CopyOutlined, EditOutlined, LoadingOutlined, ReloadOutlined, RobotOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Avatar, Button, Input, Space, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import type { MessagePublic } from '../api/types';
import { copyText } from '../common/format';
import { MessageFeedback } from '../feedback/MessageFeedback';
import { useI18n } from '../i18n';
import { CitationRef } from './CitationRef';
import type { SiblingInfo } from './conversationStore';
import { Markdown } from './Markdown';
import { SiblingNav } from './SiblingNav';
import { ToolSteps } from './ToolSteps';

interface Props {
  message: MessagePublic;
  siblings: SiblingInfo;
  /** A stream is running in this conversation: editing and regenerating wait. */
  busy: boolean;
  onSelectSibling: (parentKey: string, id: number) => void;
  onRegenerate: (m: MessagePublic) => void;
  onEdit: (m: MessagePublic, content: string) => void;
  onRetry: (m: MessagePublic) => void;
}

export function MessageItem({ message: m, siblings, busy, onSelectSibling, onRegenerate, onEdit, onRetry }: Props) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<string | null>(null);
  const isUser = m.role === 'user';
  const citations = m.citations ?? [];

  return (
    <div className={`lm-msg lm-msg-${m.role}`} data-testid={`message-${m.role}`} data-message-id={m.id} data-status={m.status} data-length={m.content.length}>
      <Avatar size="small" icon={isUser ? <UserOutlined /> : <RobotOutlined />} className="lm-msg-avatar" />
      <div className="lm-msg-body">
        {!isUser && <ToolSteps steps={m.tool_trace ?? []} />}
        {draft !== null ? (
          <div className="lm-msg-edit">
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 10 }} value={draft} onChange={(e) => setDraft(e.target.value)} data-testid="edit-input" />
            <Space style={{ marginTop: 8 }}>
              <Button
                type="primary"
                size="small"
                disabled={!draft.trim()}
                data-testid="edit-send"
                onClick={() => {
                  onEdit(m, draft.trim());
                  setDraft(null);
                }}
              >
                {t('chat.editSend')}
              </Button>
              <Button size="small" onClick={() => setDraft(null)}>
                {t('common.cancel')}
              </Button>
            </Space>
          </div>
        ) : isUser ? (
          <div className="lm-msg-user-text">{m.content}</div>
        ) : (
          <div data-testid="assistant-content">
            {m.content ? <Markdown text={m.content} citations={citations} /> : m.status === 'streaming' && <LoadingOutlined className="lm-typing" />}
          </div>
        )}
        {!isUser && citations.length > 0 && (
          <div className="lm-sources" data-testid="sources">
            <Typography.Text type="secondary">{t('chat.sources')}: </Typography.Text>
            {citations.map((c) => (
              <span key={c.n} className="lm-source">
                <CitationRef citation={c} /> {c.document_name}
              </span>
            ))}
          </div>
        )}
        {m.status === 'failed' && (
          <Alert
            type="error"
            showIcon
            data-testid="message-error"
            message={t('chat.failed', { message: m.error ?? '' })}
            action={
              <Button size="small" danger onClick={() => onRetry(m)} disabled={busy} data-testid="retry-button">
                {t('common.retry')}
              </Button>
            }
          />
        )}
        <div className="lm-msg-footer">
          <SiblingNav info={siblings} onSelect={(id) => onSelectSibling(siblings.parentKey, id)} />
          {m.status === 'cancelled' && <Tag data-testid="message-cancelled">{t('chat.cancelled')}</Tag>}
          {m.params?.semantic_cache?.hit && (
            <Tooltip title={t('chat.cachedHint')}>
              <Tag data-testid="message-cached">{t('chat.cached')}</Tag>
            </Tooltip>
          )}
          {m.status !== 'streaming' && m.status !== 'pending' && draft === null && (
            <>
              <Tooltip title={t('chat.copyMessage')}>
                <Button size="small" type="text" icon={<CopyOutlined />} onClick={() => copyText(m.content)} />
              </Tooltip>
              {isUser && (
                <Tooltip title={t('chat.edit')}>
                  <Button size="small" type="text" icon={<EditOutlined />} disabled={busy} onClick={() => setDraft(m.content)} data-testid="edit-button" />
                </Tooltip>
              )}
              {!isUser && m.id > 0 && (
                <Tooltip title={t('chat.regenerate')}>
                  <Button size="small" type="text" icon={<ReloadOutlined />} disabled={busy} onClick={() => onRegenerate(m)} data-testid="regenerate-button" />
                </Tooltip>
              )}
              {!isUser && m.id > 0 && (m.status === 'done' || m.status === 'cancelled') && (
                <MessageFeedback messageId={m.id} conversationId={m.conversation_id} />
              )}
            </>
          )}
          {!isUser && m.completion_tokens != null && m.tokens_per_s != null && (
            <Typography.Text type="secondary" className="lm-msg-stats">
              {t('chat.stats', { tokens: m.completion_tokens, tps: m.tokens_per_s.toFixed(1) })}
            </Typography.Text>
          )}
        </div>
      </div>
    </div>
  );
}
