import { MessageOutlined, StopOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Progress, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { conversations, finetune } from '../api/client';
import type { FinetuneProgress, FinetuneStatus, LossPoint, StatusEventData } from '../api/types';
import { LineChart } from '../common/LineChart';
import { useJobEvents } from '../common/useJobEvents';
import { useResource } from '../common/useResource';
import { useI18n } from '../i18n';
import { EvaluationPanel } from './EvaluationPanel';
import { datasetLabel, jobFromStatus } from './jobStatus';
import { MergePanel } from './MergePanel';
import { errorText } from '../common/errors';

const FINISHED = new Set<FinetuneStatus>(['succeeded', 'failed', 'cancelled']);

/** The selected job: its dataset, queue position and why it waits, live loss curve from progress events, cancel,
 * "chat with this adapter" and "merge". */
export function JobDetail({ jobId, onChanged }: { jobId: number | null; onChanged: () => void }) {
  const { t } = useI18n();
  if (jobId === null)
    return (
      <Card size="small" title={t('ft.loss')} style={{ marginBottom: 16 }}>
        <Empty description={t('ft.noCurve')} />
      </Card>
    );
  return <LiveJob key={jobId} jobId={jobId} onChanged={onChanged} />;
}

function LiveJob({ jobId, onChanged }: { jobId: number; onChanged: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const job = useResource(() => finetune.job(jobId), [jobId]);
  const [live, setLive] = useState<LossPoint[]>([]);
  const [progress, setProgress] = useState<FinetuneProgress | null>(null);
  const running = !!job.data && !FINISHED.has(job.data.status);

  useJobEvents(
    running ? (lastId, signal) => finetune.jobEvents(jobId, lastId, signal) : null,
    (e) => {
      if (e.type === 'progress') {
        const p = e.data as FinetuneProgress;
        setProgress(p);
        if (p.loss != null) setLive((pts) => (pts.some((x) => x.step === p.step) ? pts : [...pts, { step: p.step, loss: p.loss }]));
      } else if (e.type === 'status') job.setData((current) => current && jobFromStatus(current, e.data as StatusEventData));
      else if (e.type === 'done' || e.type === 'error') {
        void job.reload();
        onChanged();
      }
    },
    jobId,
  );

  if (!job.data) return <Card size="small" loading style={{ marginBottom: 16 }} />;
  const history = [...(job.data.loss_history ?? []), ...live.filter((p) => !job.data!.loss_history?.some((h) => h.step === p.step))];

  const adapterModel = job.data.status === 'succeeded' ? job.data.model_id : null;
  const shown = progress ?? (job.data.progress?.step != null ? (job.data.progress as FinetuneProgress) : null);
  const chat = async () => {
    try {
      const c = await conversations.create({ model: adapterModel!, title: adapterModel! });
      navigate(`/chat/${c.id}`);
    } catch (e) {
      message.error(errorText(e, t));
    }
  };

  return (
    <Card
      size="small"
      style={{ marginBottom: 16 }}
      title={
        <Space>
          #{job.data.id} <Tag>{t(`ft.status.${job.data.status}` as const)}</Tag>
        </Space>
      }
      extra={
        <Space wrap>
          {running && (
            <Button size="small" danger icon={<StopOutlined />} onClick={() => finetune.cancelJob(jobId).then(() => job.reload())}>
              {t('ft.cancel')}
            </Button>
          )}
          {adapterModel && (
            <Button size="small" type="primary" icon={<MessageOutlined />} onClick={chat} data-testid="chat-with-adapter">
              {t('ft.chat')}
            </Button>
          )}
        </Space>
      }
    >
      <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }} data-testid="job-detail-dataset">
        {t('ft.dataset')}: {datasetLabel(job.data, t)}
      </Typography.Text>
      {job.data.status === 'queued' && job.data.queue_position != null && (
        <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }} data-testid="job-queue-position">
          {t('common.queuePosition', { n: job.data.queue_position })}
        </Typography.Text>
      )}
      {job.data.status === 'queued' && job.data.queue_message && (
        <Alert type="warning" showIcon style={{ margin: '8px 0' }} message={job.data.queue_message} data-testid="job-queue-message" />
      )}
      {shown && running && (
        <>
          <Progress percent={Math.round((shown.step / Math.max(1, shown.total_steps)) * 100)} size="small" />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('ft.step', {
              step: shown.step,
              total: shown.total_steps,
              epoch: Number(shown.epoch ?? 0).toFixed(2),
              loss: Number(shown.loss ?? 0).toFixed(4),
              eta: Math.round(shown.eta_s ?? 0),
            })}
          </Typography.Text>
        </>
      )}
      <LineChart
        testId="loss-chart"
        series={[{ name: t('ft.loss'), color: '#1677ff', points: history.map((p) => [p.step, p.loss]) }]}
        format={(v) => v.toFixed(3)}
        xFormat={(x) => t('ft.stepTick', { step: Math.round(x) })}
      />
      <EvaluationPanel job={job.data} />
      {job.data.status === 'succeeded' && <MergePanel job={job.data} />}
      {job.data.error && <Typography.Text type="danger">{job.data.error}</Typography.Text>}
    </Card>
  );
}
