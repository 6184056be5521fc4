import { Tabs } from 'antd';
import { useSearchParams } from 'react-router-dom';
import { useI18n } from '../i18n';
import { ModelsPanel } from '../models/ModelsPage';
import { SystemTab } from './SystemTab';
import { UsersTab } from './UsersTab';

const TABS = ['users', 'models', 'system'] as const;
type Tab = (typeof TABS)[number];

/** Administration: accounts, models, and the workers behind them; the tab is in the URL (?tab=). */
export default function AdminPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const requested = params.get('tab') as Tab | null;
  const tab: Tab = requested && TABS.includes(requested) ? requested : 'users';
  return (
    <div className="lm-page" data-testid="admin-page">
      <Tabs
        activeKey={tab}
        onChange={(key) => setParams({ tab: key }, { replace: true })}
        items={[
          { key: 'users', label: <span data-testid="admin-tab-users">{t('admin.tab.users')}</span>, children: <UsersTab /> },
          { key: 'models', label: <span data-testid="admin-tab-models">{t('admin.tab.models')}</span>, children: <ModelsPanel /> },
          { key: 'system', label: <span data-testid="admin-tab-system">{t('admin.tab.system')}</span>, children: <SystemTab /> },
        ]}
      />
    </div>
  );
}
