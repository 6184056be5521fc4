import { CopyOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Input, Modal, Popconfirm, Space, Typography } from 'antd';
import { useState } from 'react';
import { users } from '../api/client';
import type { ApiKey } from '../api/types';
import { CreateModal } from '../common/CreateModal';
import { copyText, formatDate } from '../common/format';
import { ResourceTable } from '../common/ResourceTable';
import { useResource } from '../common/useResource';
import { useI18n } from '../i18n';
import { errorText } from '../common/errors';

/** Personal API keys: create (the key is shown once, with a copy button), list, revoke. */
export function ApiKeys() {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const keys = useResource(() => users.listKeys(), [], []);
  const [name, setName] = useState('');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<ApiKey | null>(null);

  const create = async () => {
    try {
      const key = await users.createKey(name.trim());
      setCreated(key);
      setCreating(false);
      setName('');
      void keys.reload();
    } catch (e) {
      message.error(errorText(e, t));
    }
  };

  const revoke = async (id: number) => {
    await users.revokeKey(id);
    keys.setData((list) => (list ?? []).filter((k) => k.id !== id));
  };

  return (
    <Card
      size="small"
      title={t('settings.apiKeys')}
      extra={
        <Button size="small" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="apikey-new">
          {t('settings.newKey')}
        </Button>
      }
    >
      <ResourceTable<ApiKey>
        rows={keys.data}
        loading={keys.loading}
        scroll={{ x: 480 }}
        locale={{ emptyText: t('common.empty') }}
        columns={[
          { title: t('common.name'), dataIndex: 'name' },
          { title: t('settings.prefix'), dataIndex: 'prefix', render: (p: string) => <code>{p}…</code> },
          { title: t('common.created'), dataIndex: 'created_at', render: (d: string) => formatDate(d, lang) },
          {
            title: t('common.actions'),
            key: 'a',
            render: (_, k) => (
              <Popconfirm title={t('common.confirmDelete', { name: k.name })} onConfirm={() => revoke(k.id)} okText={t('settings.revoke')} cancelText={t('common.cancel')}>
                <Button size="small" danger>
                  {t('settings.revoke')}
                </Button>
              </Popconfirm>
            ),
          },
        ]}
      />
      <CreateModal open={creating} title={t('settings.newKey')} onOk={create} okButtonProps={{ disabled: !name.trim() }} onCancel={() => setCreating(false)}>
        <Input placeholder={t('settings.keyName')} value={name} onChange={(e) => setName(e.target.value)} onPressEnter={create} />
      </CreateModal>
      <Modal open={!!created} title={created?.name} footer={null} onCancel={() => setCreated(null)}>
        <Alert type="warning" showIcon message={t('settings.keyOnce')} style={{ marginBottom: 12 }} />
        <Space.Compact style={{ width: '100%' }}>
          <Input readOnly value={created?.key} data-testid="apikey-value" />
          <Button
            icon={<CopyOutlined />}
            onClick={async () => {
              await copyText(created?.key ?? '');
              message.success(t('common.copied'));
            }}
          >
            {t('common.copy')}
          </Button>
        </Space.Compact>
        <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
          Authorization: Bearer {created?.prefix}…
        </Typography.Paragraph>
      </Modal>
    </Card>
  );
}
