import { Tabs } from 'antd';
import { useSearchParams } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext';
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
  const [params, setParams] = useSearchParams();
  const requested = params.get('tab') as Tab | null;
  const tab: Tab = requested && TABS.includes(requested) && (requested !== 'summary' || admin) ? requested : 'mine';
  const tabLabel = (key: Tab) => <span data-testid={`feedback-tab-${key}`}>{t(`fb.tab.${key}` as const)}</span>;
  return (
    <div className="lm-page" data-testid="feedback-page">
      <Tabs
        activeKey={tab}
        onChange={(key) => setParams({ tab: key }, { replace: true })}
        items={[
          { key: 'mine', label: tabLabel('mine'), children: <MyFeedbackTab /> },
          { key: 'datasets', label: tabLabel('datasets'), children: <DatasetsTab admin={admin} /> },
          ...(admin ? [{ key: 'summary', label: tabLabel('summary'), children: <SummaryTab /> }] : []),
        ]}
      />
    </div>
  );
}
