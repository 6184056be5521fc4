import { Tabs } from 'antd';
import { useTabParam } from '../common/useTabParam';
import { useI18n } from '../i18n';
import { ModelsPanel } from '../models/ModelsPage';
import { SystemTab } from './SystemTab';
import { UsersTab } from './UsersTab';

const TABS = ['users', 'models', 'system'] as const;

/** Administration: accounts, models, and the workers behind them; the tab is in the URL (?tab=). */
export default function AdminPage() {
  const { t } = useI18n();
  const [tab, setTab] = useTabParam(TABS);
  return (
    <div className="lm-page" data-testid="admin-page">
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          { key: 'users', label: <span data-testid="admin-tab-users">{t('admin.tab.users')}</span>, children: <UsersTab /> },
          { key: 'models', label: <span data-testid="admin-tab-models">{t('admin.tab.models')}</span>, children: <ModelsPanel /> },
          { key: 'system', label: <span data-testid="admin-tab-system">{t('admin.tab.system')}</span>, children: <SystemTab /> },
        ]}
      />
    </div>
  );
}
