import { ReloadOutlined } from '@ant-design/icons';
import { App, Button, Card, Space, Tag, Tooltip } from 'antd';
import { useState } from 'react';
import { models as api } from '../api/client';
import type { ModelInfo } from '../api/types';
import { formatBytes } from '../common/format';
import { ResourceTable } from '../common/ResourceTable';
import { useResource } from '../common/useResource';
import { useI18n } from '../i18n';
import { AddModel } from './AddModel';
import { PullModel } from './PullModel';
import { errorText } from '../common/errors';

/** Admin: registered models with size, where they are loaded and memory, why one cannot run; add / load / unload / pull. */
export function ModelsPanel() {
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
      message.error(errorText(e, t));
    } finally {
      setPending(null);
    }
  };

  return (
    <div data-testid="models-page">
      <PullModel models={list.data ?? []} onDone={list.reload} />
      <Card
        size="small"
        title={t('models.title')}
        extra={
          <Space>
            <AddModel onAdded={list.reload} />
            <Button size="small" icon={<ReloadOutlined />} onClick={list.reload} aria-label={t('common.refresh')} />
          </Space>
        }
      >
        <ResourceTable<ModelInfo>
          rows={list.data}
          loading={list.loading}
          scroll={{ x: 820 }}
          columns={[
            {
              title: t('common.name'),
              key: 'name',
              render: (_, m) => (
                <Space direction="vertical" size={0} data-testid="model-row" data-model-id={m.id}>
                  <span className="lm-model-name">
                    {m.display_name || m.id} {m.is_default && <Tag color="blue">{t('models.default')}</Tag>}
                  </span>
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
              key: 'status',
              width: 220,
              render: (_, m) =>
                m.runnable ? (
                  <Tag color="success">{m.backend === 'openai' ? t('models.remote') : t('models.present')}</Tag>
                ) : (
                  <Space direction="vertical" size={2} data-testid="model-reason">
                    <Tag color="warning">{m.present ? t('models.notLoadable') : t('models.missing')}</Tag>
                    <span className="lm-model-reason">{m.unavailable_reason}</span>
                  </Space>
                ),
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
                  <Button size="small" disabled={!m.runnable || m.backend === 'openai'} loading={pending === m.id} onClick={() => act(m.id, 'load')}>
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

