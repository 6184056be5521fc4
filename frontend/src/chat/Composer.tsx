import { SendOutlined, StopOutlined } from '@ant-design/icons';
import { Button, Input } from 'antd';
import { useState } from 'react';
import { useI18n } from '../i18n';

interface Props {
  streaming: boolean;
  disabled?: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}

/** The input box anchored at the bottom: Enter sends, Shift+Enter adds a line; Stop while streaming. */
export function Composer({ streaming, disabled, onSend, onStop }: Props) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const send = () => {
    const value = text.trim();
    if (!value || streaming || disabled) return;
    onSend(value);
    setText('');
  };
  return (
    <div className="lm-composer">
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
        <Button type="primary" icon={<SendOutlined />} onClick={send} disabled={!text.trim() || disabled} data-testid="send-button">
          {t('chat.send')}
        </Button>
      )}
    </div>
  );
}
