import { ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, Empty, Space, Table, Tag } from 'antd';
import { system } from '../api/client';
import { errorText } from '../common/errors';
import { formatBytes } from '../common/format';
import { useResource } from '../common/useResource';
import { useI18n } from '../i18n';

interface WorkerReport {
  worker: string;
  models: { model_id: string; memory_bytes?: number; adapters?: string[] }[];
  gpus: { name?: string; device: string }[];
  last_error: { action?: string; model_id?: string; message?: string } | null;
  updated_at: number;
}

/** Admin: the generation workers (what each holds in memory, its last control error), queues and disk. */
export function SystemTab() {
  const { t, lang } = useI18n();
  const res = useResource(() => system.resources(), []);
  const workers = (res.data?.workers ?? []) as unknown as WorkerReport[];
  return (
    <Space direction="vertical" style={{ width: '100%' }} size={16}>
      {res.error && <Alert type="error" message={errorText(res.error, t)} />}
      <Card size="small" title={t('admin.system.host')} extra={<Button size="small" icon={<ReloadOutlined />} onClick={res.reload} aria-label={t('common.refresh')} />}>
        {res.data && (
          <Descriptions size="small" column={{ xs: 1, md: 3 }}>
            <Descriptions.Item label={t('admin.system.disk')}>
              {formatBytes(res.data.disk.used_bytes)} / {formatBytes(res.data.disk.total_bytes)} {res.data.disk.path && <code>{res.data.disk.path}</code>}
            </Descriptions.Item>
            <Descriptions.Item label={t('admin.system.queues')}>
              {Object.entries(res.data.queues).map(([q, n]) => (
                <Tag key={q}>
                  {t(`monitor.queue.${q}` as 'monitor.queue.generation')}: {n}
                </Tag>
              ))}
            </Descriptions.Item>
            <Descriptions.Item label={t('admin.system.streams')}>{res.data.active_streams}</Descriptions.Item>
          </Descriptions>
        )}
      </Card>
      <Card size="small" title={t('admin.system.workers')}>
        {workers.length ? (
          <Table<WorkerReport>
            size="small"
            rowKey="worker"
            pagination={false}
            dataSource={workers}
            scroll={{ x: 600 }}
            columns={[
              { title: t('admin.system.worker'), dataIndex: 'worker' },
              {
                title: t('admin.system.models'),
                key: 'models',
                render: (_, w) => w.models.map((m) => <Tag key={m.model_id}>{`${m.model_id} · ${formatBytes(m.memory_bytes)}`}</Tag>),
              },
              { title: 'GPU', key: 'gpus', render: (_, w) => w.gpus.map((g) => g.name ?? g.device).join(', ') || '—' },
              {
                title: t('admin.system.lastError'),
                key: 'error',
                render: (_, w) => (w.last_error ? <Tag color="error">{`${w.last_error.action ?? ''} ${w.last_error.model_id ?? ''}: ${w.last_error.message ?? ''}`}</Tag> : '—'),
              },
              { title: t('admin.system.seen'), dataIndex: 'updated_at', render: (s: number) => new Date(s * 1000).toLocaleTimeString(lang) },
            ]}
          />
        ) : (
          <Empty description={t('admin.system.noWorkers')} />
        )}
      </Card>
    </Space>
  );
}
