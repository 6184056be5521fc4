import { ReloadOutlined, WarningOutlined } from '@ant-design/icons';
import { Button, Card, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useEffect, useState } from 'react';
import type { FinetuneJob, FinetuneStatus } from '../api/types';
import { formatDate } from '../common/format';
import { useI18n } from '../i18n';
import { datasetLabel } from './jobStatus';
import { queueWaitText } from './queueWait';

const COLORS: Record<FinetuneStatus, string> = { running: 'processing', queued: 'default', succeeded: 'success', failed: 'error', cancelled: 'warning' };

interface Props {
  jobs: FinetuneJob[];
  loading: boolean;
  selectedId: number | null;
  onSelect: (id: number) => void;
  onReload: () => Promise<void> | void;
}

/** How often the list is refreshed while a job waits, so what it waits for (a step count, a worker) stays true. */
const QUEUE_POLL_MS = 10_000;

export function JobsTable({ jobs, loading, selectedId, onSelect, onReload }: Props) {
  const { t, lang } = useI18n();
  const [polling, setPolling] = useState(false);
  const waiting = jobs.some((j) => j.status === 'queued');
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => {
      setPolling(true);
      void Promise.resolve(onReload()).finally(() => setPolling(false));
    }, QUEUE_POLL_MS);
    return () => clearInterval(timer);
  }, [waiting, onReload]);
  return (
    <Card size="small" title={t('ft.jobs')} extra={<Button size="small" icon={<ReloadOutlined />} onClick={onReload} aria-label={t('common.refresh')} />}>
      <Table<FinetuneJob>
        size="small"
        rowKey="id"
        loading={loading && !polling}
        dataSource={jobs}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        scroll={{ x: 840 }}
        rowClassName={(j) => (j.id === selectedId ? 'ant-table-row-selected' : '')}
        onRow={(j) => ({ onClick: () => onSelect(j.id), style: { cursor: 'pointer' } })}
        locale={{ emptyText: t('common.empty') }}
        columns={[
          { title: '#', dataIndex: 'id', width: 60 },
          { title: t('ft.baseModel'), dataIndex: 'base_model', ellipsis: true },
          {
            title: t('ft.dataset'),
            key: 'dataset',
            ellipsis: true,
            render: (_, j) => <Typography.Text type={j.dataset_name === null ? 'secondary' : undefined}>{datasetLabel(j, t)}</Typography.Text>,
          },
          { title: t('ft.method'), dataIndex: 'method', width: 80 },
          { title: t('common.status'), key: 'status', width: 270, render: (_, j) => <JobStatus job={j} /> },
          { title: t('common.created'), dataIndex: 'created_at', width: 180, render: (d: string) => formatDate(d, lang) },
        ]}
      />
    </Card>
  );
}

/** Status tag; while queued also the queue position, what the job waits for and, when no training worker runs,
 * a warning with how to start one. */
function JobStatus({ job }: { job: FinetuneJob }) {
  const { t } = useI18n();
  const queued = job.status === 'queued';
  const waitText = queueWaitText(job, t);
  return (
    <Space size={4} wrap data-testid="job-status" data-status={job.status}>
      <Tag color={COLORS[job.status]}>{t(`ft.status.${job.status}` as const)}</Tag>
      {queued && job.queue_position != null && (
        <Tooltip title={t('common.queuePosition', { n: job.queue_position })}>
          <Typography.Text type="secondary">#{job.queue_position}</Typography.Text>
        </Tooltip>
      )}
      {queued && job.queue_message && (
        <Tooltip title={job.queue_message}>
          <Typography.Text type="warning" data-testid="job-queue-warning" aria-label={job.queue_message}>
            <WarningOutlined />
          </Typography.Text>
        </Tooltip>
      )}
      {waitText && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="job-wait-reason" data-reason={job.waiting_for?.reason}>
          {waitText}
        </Typography.Text>
      )}
    </Space>
  );
}
