import { CloudDownloadOutlined } from '@ant-design/icons';
import { App, Button, Card, Input, Progress, Space, Typography } from 'antd';
import { useState } from 'react';
import { models as api } from '../api/client';
import { useJobEvents } from '../common/useJobEvents';
import { useI18n } from '../i18n';

/** Pulls a model by id and follows the pull job's progress events. */
export function PullModel({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [modelId, setModelId] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  const [percent, setPercent] = useState(0);
  const [stage, setStage] = useState('');

  useJobEvents(
    jobId ? (lastId, signal) => api.pullEvents(jobId, lastId, signal) : null,
    (e) => {
      if (e.type === 'progress') {
        const { fraction, stage: s } = e.data as { fraction?: number; stage?: string };
        if (fraction != null) setPercent(Math.round(fraction * 100));
        setStage(s ?? '');
      } else if (e.type === 'done') {
        setPercent(100);
        setJobId(null);
        message.success(t('models.pullDone'));
        onDone();
      } else if (e.type === 'error') {
        setJobId(null);
        message.error(t('common.error', { message: e.data?.message ?? '' }));
      }
    },
    jobId,
  );

  const pull = async () => {
    try {
      setPercent(0);
      setStage('');
      setJobId((await api.pull(modelId.trim())).job_id);
    } catch (e) {
      message.error(t('common.error', { message: (e as Error).message }));
    }
  };

  return (
    <Card size="small" style={{ marginBottom: 16 }}>
      <Space.Compact style={{ width: '100%' }}>
        <Input placeholder={t('models.pullPlaceholder')} value={modelId} onChange={(e) => setModelId(e.target.value)} onPressEnter={pull} />
        <Button type="primary" icon={<CloudDownloadOutlined />} disabled={!modelId.trim() || !!jobId} onClick={pull}>
          {t('models.pull')}
        </Button>
      </Space.Compact>
      {jobId && (
        <>
          <Progress percent={percent} status="active" size="small" />
          <Typography.Text type="secondary">{stage}</Typography.Text>
        </>
      )}
    </Card>
  );
}
