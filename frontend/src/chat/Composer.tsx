import { PaperClipOutlined, SendOutlined, StopOutlined } from '@ant-design/icons';
import { Button, Input, Tooltip } from 'antd';
import { useRef, useState } from 'react';
import { useI18n } from '../i18n';
import { AttachmentChip, useAttachments } from './attachments';

interface Props {
  conversationId: number;
  streaming: boolean;
  disabled?: boolean;
  /** `attachmentIds`: indexed files of the conversation's private knowledge base that ground this answer. */
  onSend: (text: string, attachmentIds: number[]) => void;
  onStop: () => void;
}

/** The input box anchored at the bottom: Enter sends, Shift+Enter adds a line; Stop while streaming. The paperclip
 * attaches files to this question; it is sent once they are indexed. */
export function Composer({ conversationId, streaming, disabled, onSend, onStop }: Props) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const attachments = useAttachments(conversationId);
  const fileInput = useRef<HTMLInputElement>(null);
  const waiting = attachments.readyIds === null;
  const send = () => {
    const value = text.trim();
    if (!value || streaming || disabled || attachments.readyIds === null) return;
    onSend(value, attachments.readyIds);
    setText('');
    attachments.clear();
  };
  return (
    <>
      {attachments.items.length > 0 && (
        <div className="lm-composer-attachments" data-testid="composer-attachments">
          {attachments.items.map((item) => (
            <AttachmentChip
              key={item.key}
              item={item}
              onUpdate={(fields) => attachments.update(item.key, fields)}
              onRemove={() => attachments.remove(item.key)}
            />
          ))}
        </div>
      )}
      <div className="lm-composer">
        <input
          ref={fileInput}
          type="file"
          hidden
          multiple
          data-testid="attach-input"
          onChange={(e) => {
            for (const file of Array.from(e.target.files ?? [])) void attachments.add(file);
            e.target.value = '';
          }}
        />
        <Tooltip title={t('chat.attach.button')}>
          <Button icon={<PaperClipOutlined />} onClick={() => fileInput.current?.click()} disabled={disabled} aria-label={t('chat.attach.button')} data-testid="attach-button" />
        </Tooltip>
        <Input.TextArea
          data-testid="chat-input"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={t('chat.placeholder')}
          autoSize={{ minRows: 1, maxRows: 8 }}
          disabled={disabled}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              send();
            }
          }}
        />
        {streaming ? (
          <Button danger icon={<StopOutlined />} onClick={onStop} data-testid="stop-button">
            {t('chat.stop')}
          </Button>
        ) : (
          <Tooltip title={waiting ? t('chat.attach.wait') : undefined}>
            <Button type="primary" icon={<SendOutlined />} onClick={send} disabled={!text.trim() || disabled || waiting} data-testid="send-button">
              {t('chat.send')}
            </Button>
          </Tooltip>
        )}
      </div>
    </>
  );
}
