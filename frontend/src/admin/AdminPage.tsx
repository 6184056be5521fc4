import { TabbedPage } from '../common/TabbedPage';
import { ModelsPanel } from '../models/ModelsPage';
import { SystemTab } from './SystemTab';
import { UsersTab } from './UsersTab';

/** Administration: accounts, models, and the workers behind them; the tab is in the URL (?tab=). */
export default function AdminPage() {
  return (
    <TabbedPage
      page="admin"
      tabs={[
        { key: 'users', label: 'admin.tab.users', content: <UsersTab /> },
        { key: 'models', label: 'admin.tab.models', content: <ModelsPanel /> },
        { key: 'system', label: 'admin.tab.system', content: <SystemTab /> },
      ]}
    />
  );
}
