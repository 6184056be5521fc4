import { Tabs } from 'antd';
import { useAuth } from '../auth/AuthContext';
import { useTabParam } from '../common/useTabParam';
import { useI18n } from '../i18n';
import { DatasetsTab } from './DatasetsTab';
import { MyFeedbackTab } from './MyFeedbackTab';
import { SummaryTab } from './SummaryTab';

const TABS = ['mine', 'datasets', 'summary'] as const;
type Tab = (typeof TABS)[number];

/** Ratings given in chat, the datasets curated from them, and (for administrators) everyone's in counts;
 * the tab (and the dataset under review) are in the URL: ?tab=datasets&dataset=ID. */
export default function FeedbackPage() {
  const { t } = useI18n();
  const { user } = useAuth();
  const admin = user?.role === 'admin';
  const [tab, setTab] = useTabParam(TABS, (key) => key !== 'summary' || admin);
  const tabLabel = (key: Tab) => <span data-testid={`feedback-tab-${key}`}>{t(`fb.tab.${key}` as const)}</span>;
  return (
    <div className="lm-page" data-testid="feedback-page">
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          { key: 'mine', label: tabLabel('mine'), children: <MyFeedbackTab /> },
          { key: 'datasets', label: tabLabel('datasets'), children: <DatasetsTab admin={admin} /> },
          ...(admin ? [{ key: 'summary', label: tabLabel('summary'), children: <SummaryTab /> }] : []),
        ]}
      />
    </div>
  );
}
