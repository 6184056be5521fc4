import { ReloadOutlined } from '@ant-design/icons';
import { App, Button, Card, InputNumber, Select, Switch, Tag, Tooltip } from 'antd';
import { useRef, useState } from 'react';
import { users as api } from '../api/client';
import type { Role, UserAdminUpdate, UserPublic } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { errorText } from '../common/errors';
import { formatDate } from '../common/format';
import { ResourceTable } from '../common/ResourceTable';
import { useResource } from '../common/useResource';
import { useI18n } from '../i18n';

/** Admin: every account with its role, whether it may sign in, and its daily token quota. */
export function UsersTab() {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const { user: me } = useAuth();
  const list = useResource(() => api.list(), [], { items: [], total: 0 });
  const [saving, setSaving] = useState<number | null>(null);

  const change = async (u: UserPublic, body: UserAdminUpdate) => {
    setSaving(u.id);
    try {
      const saved = await api.update(u.id, body);
      list.setData((page) => page && { ...page, items: page.items.map((x) => (x.id === saved.id ? saved : x)) });
      message.success(t('admin.users.saved', { name: saved.username }));
    } catch (e) {
      message.error(errorText(e, t));
    } finally {
      setSaving(null);
    }
  };

  return (
    <Card
      size="small"
      title={t('admin.users.title', { n: list.data?.total ?? 0 })}
      extra={<Button size="small" icon={<ReloadOutlined />} onClick={list.reload} aria-label={t('common.refresh')} />}
    >
      <ResourceTable<UserPublic>
        rows={list.data?.items}
        loading={list.loading}
        scroll={{ x: 720 }}
        data-testid="users-table"
        columns={[
          {
            title: t('auth.username'),
            key: 'name',
            render: (_, u) => (
              <div data-testid="user-row" data-username={u.username}>
                <div>
                  {u.username} {u.id === me?.id && <Tag>{t('admin.users.you')}</Tag>}
                </div>
                <div className="lm-muted">{u.email}</div>
              </div>
            ),
          },
          {
            title: t('admin.users.role'),
            key: 'role',
            width: 130,
            render: (_, u) => (
              <Tooltip title={u.id === me?.id ? t('admin.users.selfHint') : undefined}>
                <Select<Role>
                  size="small"
                  value={u.role}
                  disabled={u.id === me?.id || saving === u.id}
                  onChange={(role) => void change(u, { role })}
                  options={[
                    { value: 'user', label: t('admin.users.roleUser') },
                    { value: 'admin', label: t('admin.users.roleAdmin') },
                  ]}
                  data-testid="user-role"
                  style={{ width: 110 }}
                />
              </Tooltip>
            ),
          },
          {
            title: t('admin.users.active'),
            key: 'active',
            width: 90,
            render: (_, u) => (
              <Switch
                size="small"
                checked={u.is_active}
                disabled={u.id === me?.id || saving === u.id}
                onChange={(is_active) => void change(u, { is_active })}
                data-testid="user-active"
              />
            ),
          },
          {
            title: t('admin.users.quota'),
            key: 'quota',
            width: 200,
            render: (_, u) => <QuotaInput user={u} disabled={saving === u.id} onSave={(daily_token_quota) => change(u, { daily_token_quota })} />,
          },
          { title: t('common.created'), dataIndex: 'created_at', width: 150, render: (d: string) => formatDate(d, lang) },
        ]}
      />
    </Card>
  );
}

/** Daily token quota: empty = unlimited; saved on Enter or when the field loses focus, if changed. */
function QuotaInput({ user, disabled, onSave }: { user: UserPublic; disabled: boolean; onSave: (q: number | null) => Promise<void> }) {
  const { t } = useI18n();
  const [value, setValue] = useState<number | null>(user.daily_token_quota);
  // Enter then leaving the field would otherwise save the same value twice.
  const saved = useRef(user.daily_token_quota);
  const save = () => {
    if (value === saved.current) return;
    saved.current = value;
    void onSave(value);
  };
  return (
    <InputNumber
      size="small"
      min={0}
      step={1000}
      value={value}
      disabled={disabled}
      placeholder={t('admin.users.unlimited')}
      onChange={(v) => setValue(v)}
      onBlur={save}
      onPressEnter={save}
      style={{ width: 170 }}
      data-testid="user-quota"
    />
  );
}
