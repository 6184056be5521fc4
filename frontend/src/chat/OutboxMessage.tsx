import { ClockCircleOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Avatar, Button, Space } from 'antd';
import { useI18n } from '../i18n';
import type { OutboxItem } from './outbox';

interface Props {
  item: OutboxItem;
  onSend: (item: OutboxItem) => void;
  onDiscard: (item: OutboxItem) => void;
}

/** A question the server has not accepted yet: why (no network, or the server's own error) and what to do. */
export function OutboxMessage({ item, onSend, onDiscard }: Props) {
  const { t } = useI18n();
  const offline = item.state === 'waiting';
  const reason = offline
    ? t('outbox.waiting')
    : item.error && item.error.status >= 500
      ? t('outbox.serverError', { status: item.error.status, message: item.error.message })
      : t('outbox.refused', { message: item.error?.message ?? '' });
  return (
    <div className="lm-msg lm-msg-user" data-testid="outbox-item" data-state={item.state}>
      <Avatar size="small" icon={<UserOutlined />} className="lm-msg-avatar" />
      <div className="lm-msg-body">
        <div className="lm-msg-user-text">{item.body.content}</div>
        <Alert
          type={offline ? 'info' : 'error'}
          showIcon
          icon={offline ? <ClockCircleOutlined /> : undefined}
          style={{ marginTop: 8 }}
          message={reason}
          data-testid="outbox-reason"
          action={
            <Space direction="vertical" size={4}>
              <Button size="small" type="primary" onClick={() => onSend(item)} data-testid="outbox-send">
                {offline ? t('outbox.sendNow') : t('common.retry')}
              </Button>
              <Button size="small" onClick={() => onDiscard(item)} data-testid="outbox-discard">
                {t('outbox.discard')}
              </Button>
            </Space>
          }
        />
      </div>
    </div>
  );
}
