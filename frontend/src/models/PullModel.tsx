import { CloudDownloadOutlined } from '@ant-design/icons';
import { App, Button, Card, Progress, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { models as api } from '../api/client';
import type { ModelInfo } from '../api/types';
import { errorText } from '../common/errors';
import { useJobEvents } from '../common/useJobEvents';
import { useI18n } from '../i18n';

/** Downloads a catalogue model that is not on disk yet, following the pull job's progress events. */
export function PullModel({ models, onDone }: { models: ModelInfo[]; onDone: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [modelId, setModelId] = useState<string | undefined>();
  const [jobId, setJobId] = useState<string | null>(null);
  const [percent, setPercent] = useState(0);
  const [stage, setStage] = useState('');
  // Only entries whose weights can be fetched: not present, not remote, not adapters, not a server directory.
  const pullable = models.filter((m) => !m.present && m.backend !== 'openai' && !m.is_adapter && !m.source?.startsWith('dir:'));

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
        message.error(e.data?.message ?? t('models.pullFailed'));
      }
    },
    jobId,
  );

  const pull = async () => {
    if (!modelId) return;
    try {
      setPercent(0);
      setStage('');
      setJobId((await api.pull(modelId)).job_id);
    } catch (e) {
      message.error(errorText(e, t));
    }
  };

  return (
    <Card size="small" style={{ marginBottom: 16 }} title={t('models.pullTitle')}>
      <Space.Compact style={{ width: '100%' }}>
        <Select
          style={{ flex: 1, minWidth: 0 }}
          placeholder={pullable.length ? t('models.pullPlaceholder') : t('models.nothingToPull')}
          value={modelId}
          onChange={setModelId}
          disabled={!pullable.length}
          options={pullable.map((m) => ({ value: m.id, label: `${m.display_name || m.id} (${m.id})` }))}
          data-testid="pull-select"
          showSearch
          optionFilterProp="label"
        />
        <Button type="primary" icon={<CloudDownloadOutlined />} disabled={!modelId || !!jobId} onClick={pull} data-testid="pull-start">
          {t('models.pull')}
        </Button>
      </Space.Compact>
      {jobId && (
        <div data-testid="pull-progress">
          <Progress percent={percent} status="active" size="small" />
          <Typography.Text type="secondary">{stage}</Typography.Text>
        </div>
      )}
    </Card>
  );
}
