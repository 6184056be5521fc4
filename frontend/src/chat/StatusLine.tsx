import { LoadingOutlined } from '@ant-design/icons';
import { Typography } from 'antd';
import { useI18n, type Translate } from '../i18n';
import type { LiveStream } from './streams';

/** What the status line says: where the answer is and, while it waits in the queue, the server's reason. */
export function statusLine(stream: LiveStream, t: Translate): { text: string; warning?: string } {
  if (stream.reconnectAttempt) return { text: t('status.reconnecting', { n: stream.reconnectAttempt }) };
  switch (stream.state) {
    case 'queued':
      return {
        text: stream.queuePosition != null ? t('status.queuedAt', { n: stream.queuePosition }) : t('status.queued'),
        warning: stream.queueMessage,
      };
    case 'loading_model':
      return { text: t('status.loading_model', { model: stream.model ?? '' }) };
    case 'retrieving':
      return { text: t('status.retrieving') };
    case 'generating':
      return {
        text: stream.tokensPerS
          ? `${t('status.generating')} · ${t('status.tps', { tps: stream.tokensPerS.toFixed(1) })}`
          : t('status.generating'),
      };
    default:
      return { text: t('status.other', { state: stream.state }) };
  }
}

/** One line describing where the answer is, derived only from the stream's events. */
export function StatusLine({ stream }: { stream: LiveStream | undefined }) {
  const { t } = useI18n();
  if (!stream?.active) return null;
  const { text, warning } = statusLine(stream, t);
  return (
    <Typography.Text type="secondary" className="lm-status" data-testid="status-line" data-state={stream.state}>
      <LoadingOutlined /> {text}
      {warning && (
        <Typography.Text type="warning" style={{ display: 'block' }} data-testid="status-queue-message">
          {warning}
        </Typography.Text>
      )}
    </Typography.Text>
  );
}
