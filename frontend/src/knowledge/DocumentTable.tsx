import { DeleteOutlined, ReloadOutlined } from '@ant-design/icons';
import { Button, Progress, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { knowledge } from '../api/client';
import type { DocumentPublic, DocumentStatus } from '../api/types';
import { formatBytes } from '../common/format';
import { queueFields } from '../common/queue';
import { useJobEvents } from '../common/useJobEvents';
import { useI18n } from '../i18n';

const COLORS: Record<DocumentStatus, string> = {
  queued: 'default',
  parsing: 'processing',
  embedding: 'processing',
  indexed: 'success',
  failed: 'error',
};
const TERMINAL = new Set<DocumentStatus>(['indexed', 'failed']);

interface Props {
  documents: DocumentPublic[];
  onChange: (doc: DocumentPublic) => void;
  onRemoved: (id: number) => void;
}

export function DocumentTable({ documents, onChange, onRemoved }: Props) {
  const { t } = useI18n();
  return (
    <Table<DocumentPublic>
      size="small"
      rowKey="id"
      style={{ marginTop: 12 }}
      dataSource={documents}
      pagination={false}
      scroll={{ x: 'max-content' }}
      locale={{ emptyText: t('common.empty') }}
      columns={[
        { title: t('common.name'), dataIndex: 'filename', ellipsis: true, render: (name: string) => <span data-testid="document-name">{name}</span> },
        { title: t('common.size'), dataIndex: 'size_bytes', width: 90, render: formatBytes, responsive: ['sm'] },
        { title: t('common.status'), key: 'status', width: 220, render: (_, d) => <DocumentStatusCell doc={d} onChange={onChange} /> },
        { title: t('kb.pages'), dataIndex: 'pages', width: 70, render: (v) => v ?? '—', responsive: ['md'] },
        { title: t('kb.chunks'), dataIndex: 'chunks', width: 80, render: (v) => v ?? '—', responsive: ['md'] },
        {
          title: t('common.actions'),
          key: 'actions',
          width: 90,
          render: (_, d) => (
            <Space size={0}>
              <Tooltip title={t('kb.reindex')}>
                <Button size="small" type="text" icon={<ReloadOutlined />} onClick={async () => onChange(await knowledge.reindex(d.id))} />
              </Tooltip>
              <Tooltip title={t('common.delete')}>
                <Button
                  size="small"
                  type="text"
                  danger
                  icon={<DeleteOutlined />}
                  onClick={async () => {
                    await knowledge.removeDocument(d.id);
                    onRemoved(d.id);
                  }}
                />
              </Tooltip>
            </Space>
          ),
        },
      ]}
    />
  );
}

/** Status tag, queue position and why it waits, live indexing progress from the document's events, the failure reason. */
function DocumentStatusCell({ doc, onChange }: { doc: DocumentPublic; onChange: (doc: DocumentPublic) => void }) {
  const { t } = useI18n();
  const [progress, setProgress] = useState<{ stage: string; done: number; total: number } | null>(null);
  const following = !TERMINAL.has(doc.status);
  useJobEvents(
    following ? (lastId, signal) => knowledge.documentEvents(doc.id, lastId, signal) : null,
    (e) => {
      if (e.type === 'progress') {
        setProgress(e.data);
        const stage = e.data.stage as DocumentStatus;
        if (stage in COLORS && stage !== doc.status) onChange({ ...doc, status: stage, ...queueFields({ state: stage }) });
      } else if (e.type === 'status' && e.data.state in COLORS) onChange({ ...doc, status: e.data.state, ...queueFields(e.data) });
      else if (e.type === 'done') onChange({ ...doc, status: 'indexed', ...(e.data?.document ?? e.data) });
      else if (e.type === 'error') onChange({ ...doc, status: 'failed', error: e.data?.message ?? String(e.data) });
    },
    doc.id,
  );
  return (
    <div data-testid="document-status" data-status={doc.status}>
      <Tag color={COLORS[doc.status]}>{t(`kb.doc.${doc.status}` as const)}</Tag>
      {following && progress && progress.total > 0 && (
        // The stage's own count, never antd's "done" tick: a finished stage is not a finished document.
        <Progress
          size="small"
          status="active"
          percent={Math.min(99, Math.round((progress.done / progress.total) * 100))}
          format={() => `${progress.done}/${progress.total}`}
          style={{ margin: 0, maxWidth: 160 }}
        />
      )}
      {doc.status === 'queued' && doc.queue_position != null && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="document-queue-position">
          {t('common.queuePosition', { n: doc.queue_position })}
        </Typography.Text>
      )}
      {doc.status === 'queued' && doc.queue_message && (
        <Typography.Text type="warning" style={{ display: 'block', fontSize: 12 }} data-testid="document-queue-message">
          {doc.queue_message}
        </Typography.Text>
      )}
      {doc.status === 'failed' && doc.error && (
        <Typography.Text type="danger" style={{ display: 'block', fontSize: 12 }} data-testid="document-error">
          {doc.error}
        </Typography.Text>
      )}
    </div>
  );
}
