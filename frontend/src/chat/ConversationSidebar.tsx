import { DeleteOutlined, EditOutlined, MoreOutlined, PlusOutlined, QuestionCircleOutlined, SearchOutlined } from '@ant-design/icons';
import { App, Button, Dropdown, Input, Spin, Typography } from 'antd';
import { useMemo } from 'react';
import type { ConversationPublic } from '../api/types';
import { useI18n } from '../i18n';
import { groupByDate } from './conversationStore';

interface Props {
  items: ConversationPublic[];
  activeId: number | null;
  loading: boolean;
  query: string;
  onQuery: (q: string) => void;
  onNew: () => void;
  onSelect: (id: number) => void;
  onRename: (c: ConversationPublic) => void;
  onDelete: (id: number) => void;
  onShortcuts: () => void;
}

/** The search box's id, for the Ctrl+K shortcut. */
export const SEARCH_INPUT_ID = 'lm-conversation-search';

/** Conversation list grouped by date, with search, new, rename and delete (confirmed). */
export function ConversationSidebar(p: Props) {
  const { t } = useI18n();
  const { modal } = App.useApp();
  const groups = useMemo(() => groupByDate(p.items), [p.items]);

  const confirmDelete = (c: ConversationPublic) =>
    modal.confirm({
      title: t('common.delete'),
      content: t('common.confirmDelete', { name: c.title || t('chat.untitled') }),
      okButtonProps: { danger: true, 'data-testid': 'confirm-delete' },
      okText: t('common.delete'),
      cancelText: t('common.cancel'),
      onOk: () => p.onDelete(c.id),
    });

  return (
    <div className="lm-sidebar" data-testid="conversation-sidebar">
      <Button type="primary" icon={<PlusOutlined />} block onClick={p.onNew} data-testid="new-chat">
        {t('chat.new')}
      </Button>
      <Input
        allowClear
        prefix={<SearchOutlined />}
        placeholder={t('chat.search')}
        value={p.query}
        onChange={(e) => p.onQuery(e.target.value)}
        data-testid="conversation-search"
        id={SEARCH_INPUT_ID}
        style={{ margin: '12px 0' }}
      />
      <div className="lm-sidebar-list">
        {p.loading && !p.items.length && <Spin style={{ display: 'block', margin: 24 }} />}
        {!p.loading && !p.items.length && p.query && (
          <Typography.Text type="secondary" className="lm-sidebar-empty" data-testid="conversation-search-empty">
            {t('chat.noMatch', { query: p.query })}
          </Typography.Text>
        )}
        {groups.map(({ group, items }) => (
          <div key={group} data-testid={`group-${group}`}>
            <Typography.Text type="secondary" className="lm-group-title">
              {t(`chat.group.${group}` as const)}
            </Typography.Text>
            {items.map((c) => (
              <div
                key={c.id}
                className={`lm-conv ${c.id === p.activeId ? 'lm-conv-active' : ''}`}
                data-testid="conversation-item"
                data-id={c.id}
                onClick={() => p.onSelect(c.id)}
              >
                <span className="lm-ellipsis" data-testid="conversation-title">
                  {c.title || t('chat.untitled')}
                </span>
                <Dropdown
                  trigger={['click']}
                  menu={{
                    items: [
                      { key: 'rename', icon: <EditOutlined />, label: <span data-testid="conversation-rename">{t('chat.rename')}</span> },
                      { key: 'delete', icon: <DeleteOutlined />, danger: true, label: <span data-testid="conversation-delete">{t('common.delete')}</span> },
                    ],
                    onClick: ({ key, domEvent }) => {
                      domEvent.stopPropagation();
                      if (key === 'rename') p.onRename(c);
                      else confirmDelete(c);
                    },
                  }}
                >
                  <Button
                    size="small"
                    type="text"
                    icon={<MoreOutlined />}
                    onClick={(e) => e.stopPropagation()}
                    data-testid="conversation-menu"
                  />
                </Dropdown>
              </div>
            ))}
          </div>
        ))}
      </div>
      <Button type="link" size="small" icon={<QuestionCircleOutlined />} onClick={p.onShortcuts} data-testid="shortcuts-open" className="lm-sidebar-help">
        {t('chat.shortcutsHint')}
      </Button>
    </div>
  );
}
