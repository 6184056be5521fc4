import { useAuth } from '../auth/AuthContext';
import { TabbedPage } from '../common/TabbedPage';
import { DatasetsTab } from './DatasetsTab';
import { MyFeedbackTab } from './MyFeedbackTab';
import { SummaryTab } from './SummaryTab';

/** Ratings given in chat, the datasets curated from them, and (for administrators) everyone's in counts;
 * the tab (and the dataset under review) are in the URL: ?tab=datasets&dataset=ID. */
export default function FeedbackPage() {
  const { user } = useAuth();
  const admin = user?.role === 'admin';
  return (
    <TabbedPage
      page="feedback"
      tabs={[
        { key: 'mine', label: 'fb.tab.mine', content: <MyFeedbackTab /> },
        { key: 'datasets', label: 'fb.tab.datasets', content: <DatasetsTab admin={admin} /> },
        ...(admin ? [{ key: 'summary', label: 'fb.tab.summary' as const, content: <SummaryTab /> }] : []),
      ]}
    />
  );
}
