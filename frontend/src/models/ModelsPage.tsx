import { ReloadOutlined } from '@ant-design/icons';
import { App, Button, Card, Space, Table, Tag, Tooltip } from 'antd';
import { useState } from 'react';
import { models as api } from '../api/client';
import type { ModelInfo } from '../api/types';
import { formatBytes } from '../common/format';
import { useResource } from '../common/useResource';
import { useI18n } from '../i18n';
import { PullModel } from './PullModel';

/** Admin: registered models with size, where they are loaded and memory; load / unload / pull. */
export default function ModelsPage() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const list = useResource(() => api.list(), [], []);
  const [pending, setPending] = useState<string | null>(null);

  const act = async (id: string, action: 'load' | 'unload') => {
    setPending(id);
    try {
      await api[action](id);
      await list.reload();
    } catch (e) {
      message.error(t('common.error', { message: (e as Error).message }));
    } finally {
      setPending(null);
    }
  };

  return (
    <div className="lm-page" data-testid="models-page">
      <PullModel onDone={list.reload} />
      <Card
        size="small"
        title={t('models.title')}
        extra={<Button size="small" icon={<ReloadOutlined />} onClick={list.reload} aria-label={t('common.refresh')} />}
      >
        <Table<ModelInfo>
          size="small"
          rowKey="id"
          loading={list.loading}
          dataSource={list.data}
          pagination={false}
          scroll={{ x: 820 }}
          columns={[
            {
              title: t('common.name'),
              key: 'name',
              render: (_, m) => (
                <Space direction="vertical" size={0}>
                  <span>{m.display_name || m.id}</span>
                  <code style={{ fontSize: 11 }}>{m.id}</code>
                  {m.is_adapter && <Tag color="purple">{t('models.adapter', { base: m.base ?? '?' })}</Tag>}
                </Space>
              ),
            },
            { title: t('models.backend'), dataIndex: 'backend', width: 120 },
            { title: t('models.quantization'), dataIndex: 'quantization', width: 110, render: (q) => q ?? '—' },
            { title: t('common.size'), dataIndex: 'size_bytes', width: 90, render: formatBytes },
            {
              title: t('common.status'),
              dataIndex: 'present',
              width: 120,
              render: (p: boolean) => <Tag color={p ? 'success' : 'default'}>{p ? t('models.present') : t('models.missing')}</Tag>,
            },
            {
              title: t('models.loadedOn'),
              dataIndex: 'loaded_on',
              render: (w: string[]) => (w?.length ? w.map((x) => <Tag key={x}>{x}</Tag>) : t('models.notLoaded')),
            },
            { title: t('models.memory'), dataIndex: 'memory_bytes', width: 100, render: formatBytes },
            {
              title: t('common.actions'),
              key: 'actions',
              width: 170,
              render: (_, m) => (
                <Space>
                  <Button size="small" disabled={!m.present} loading={pending === m.id} onClick={() => act(m.id, 'load')}>
                    {t('models.load')}
                  </Button>
                  <Tooltip title={m.loaded_on?.length ? undefined : t('models.notLoaded')}>
                    <Button size="small" disabled={!m.loaded_on?.length} onClick={() => act(m.id, 'unload')}>
                      {t('models.unload')}
                    </Button>
                  </Tooltip>
                </Space>
              ),
            },
          ]}
        />
      </Card>
    </div>
  );
}

