import { LoadingOutlined } from '@ant-design/icons';
import { Typography } from 'antd';
import { useI18n } from '../i18n';
import type { LiveStream } from './streams';

/** One line describing where the answer is, derived only from the stream's events. */
export function StatusLine({ stream }: { stream: LiveStream | undefined }) {
  const { t } = useI18n();
  if (!stream?.active) return null;
  let text: string;
  if (stream.reconnectAttempt) text = t('status.reconnecting', { n: stream.reconnectAttempt });
  else if (stream.state === 'queued')
    text = stream.queuePosition != null ? t('status.queuedAt', { n: stream.queuePosition }) : t('status.queued');
  else if (stream.state === 'loading_model') text = t('status.loading_model', { model: stream.model ?? '' });
  else if (stream.state === 'retrieving') text = t('status.retrieving');
  else if (stream.state === 'generating')
    text = stream.tokensPerS
      ? `${t('status.generating')} · ${t('status.tps', { tps: stream.tokensPerS.toFixed(1) })}`
      : t('status.generating');
  else text = t('status.other', { state: stream.state });
  return (
    <Typography.Text type="secondary" className="lm-status" data-testid="status-line" data-state={stream.state}>
      <LoadingOutlined /> {text}
    </Typography.Text>
  );
}
