import { Tabs } from 'antd';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { useTabParam } from './useTabParam';

export interface PageTab {
  key: string;
  label: MessageKey;
  content: ReactNode;
}

/**
 * A page of tabs whose open tab is in the URL (?tab=); `page` names the test ids: `${page}-page` and
 * `${page}-tab-${key}`. A tab left out of `tabs` cannot be opened from the URL either.
 */
export function TabbedPage({ page, tabs }: { page: string; tabs: PageTab[] }) {
  const { t } = useI18n();
  const [tab, setTab] = useTabParam(tabs.map((x) => x.key));
  return (
    <div className="lm-page" data-testid={`${page}-page`}>
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={tabs.map(({ key, label, content }) => ({ key, label: <span data-testid={`${page}-tab-${key}`}>{t(label)}</span>, children: content }))}
      />
    </div>
  );
}
