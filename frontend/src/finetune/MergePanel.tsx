import { MergeCellsOutlined } from '@ant-design/icons';
import { App, Button, Progress, Space, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { finetune } from '../api/client';
import type { FinetuneJob, MergeProgress } from '../api/types';
import { formatBytes } from '../common/format';
import { useJobEvents } from '../common/useJobEvents';
import { useResource } from '../common/useResource';
import { useI18n } from '../i18n';
import { errorText } from '../common/errors';

/** "Merge into full model" for a succeeded job: starts the merge, follows its events, shows where the model is. */
export function MergePanel({ job }: { job: FinetuneJob }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const merge = useResource(() => finetune.merge(job.id), [job.id]);
  const [progress, setProgress] = useState<MergeProgress | null>(null);
  const [starting, setStarting] = useState(false);
  const state = merge.data?.state;
  const active = state === 'queued' || state === 'running';

  useJobEvents(
    active ? (lastId, signal) => finetune.mergeEvents(job.id, lastId, signal) : null,
    (e) => {
      if (e.type === 'progress') setProgress(e.data as MergeProgress);
      else if (e.type === 'status' && e.data.state === 'running' && merge.data)
        merge.setData({ ...merge.data, state: 'running' });
      else if (e.type === 'done') merge.setData(e.data.merge);
      else if (e.type === 'error') void merge.reload();
    },
    job.id,
  );

  const start = async () => {
    setStarting(true);
    try {
      merge.setData(await finetune.startMerge(job.id));
    } catch (e) {
      message.error(errorText(e, t));
    } finally {
      setStarting(false);
    }
  };

  if (!merge.data) return null;
  if (state === 'done')
    return (
      <Space direction="vertical" size={0} data-testid="merge-result">
        <Typography.Text strong>{t('ft.merge.done', { size: formatBytes(merge.data.size_bytes) })}</Typography.Text>
        <Typography.Text code copyable>
          {merge.data.path}
        </Typography.Text>
      </Space>
    );
  if (active)
    return (
      <div data-testid="merge-progress">
        <Progress percent={Math.round((progress?.fraction ?? 0) * 100)} size="small" status="active" />
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {progress ? t('ft.merge.running', { stage: progress.stage }) : t('ft.merge.queued')}
        </Typography.Text>
      </div>
    );
  const qlora = job.method === 'qlora';
  return (
    <Space direction="vertical" size={4}>
      <Tooltip title={qlora ? t('ft.merge.qlora') : t('ft.merge.hint')}>
        <Button size="small" icon={<MergeCellsOutlined />} disabled={qlora} loading={starting} onClick={start} data-testid="merge-button">
          {t('ft.merge.button')}
        </Button>
      </Tooltip>
      {state === 'failed' && merge.data.error && (
        <Typography.Text type="danger">{t('ft.merge.failed', { message: merge.data.error })}</Typography.Text>
      )}
    </Space>
  );
}
