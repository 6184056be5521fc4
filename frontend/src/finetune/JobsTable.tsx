import { ReloadOutlined } from '@ant-design/icons';
import { Button, Card, Table, Tag } from 'antd';
import type { FinetuneJob, FinetuneStatus } from '../api/types';
import { formatDate } from '../common/format';
import { useI18n } from '../i18n';

const COLORS: Record<FinetuneStatus, string> = { running: 'processing', queued: 'default', succeeded: 'success', failed: 'error', cancelled: 'warning' };

interface Props {
  jobs: FinetuneJob[];
  loading: boolean;
  selectedId: number | null;
  onSelect: (id: number) => void;
  onReload: () => void;
}

export function JobsTable({ jobs, loading, selectedId, onSelect, onReload }: Props) {
  const { t } = useI18n();
  return (
    <Card size="small" title={t('ft.jobs')} extra={<Button size="small" icon={<ReloadOutlined />} onClick={onReload} aria-label={t('common.refresh')} />}>
      <Table<FinetuneJob>
        size="small"
        rowKey="id"
        loading={loading}
        dataSource={jobs}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        scroll={{ x: 560 }}
        rowClassName={(j) => (j.id === selectedId ? 'ant-table-row-selected' : '')}
        onRow={(j) => ({ onClick: () => onSelect(j.id), style: { cursor: 'pointer' } })}
        locale={{ emptyText: t('common.empty') }}
        columns={[
          { title: '#', dataIndex: 'id', width: 60 },
          { title: t('ft.baseModel'), dataIndex: 'base_model', ellipsis: true },
          { title: t('ft.method'), dataIndex: 'method', width: 80 },
          { title: t('common.status'), dataIndex: 'status', width: 110, render: (s: FinetuneStatus) => <Tag color={COLORS[s]}>{t(`ft.status.${s}` as const)}</Tag> },
          { title: t('common.created'), dataIndex: 'created_at', width: 180, render: formatDate },
        ]}
      />
    </Card>
  );
}
