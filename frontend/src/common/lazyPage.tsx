import { Spin } from 'antd';
import { lazy, Suspense, useState, type ComponentType } from 'react';
import { PageErrorBoundary } from './PageErrorBoundary';

export const pageSpinner = <Spin size="large" style={{ display: 'block', margin: '20vh auto' }} />;

/**
 * A lazily loaded page that survives a failed download: React.lazy keeps a rejected import forever, so a
 * retry makes a new one. When the browser also keeps the failed module (the same URL fails while online),
 * the retry reloads the app, which fetches every chunk afresh.
 */
export function lazyPage(load: () => Promise<{ default: ComponentType }>) {
  let Page = lazy(load);
  return function LazyPage() {
    const [, rerender] = useState(0);
    const retry = async () => {
      try {
        const loaded = await load();
        Page = lazy(() => Promise.resolve(loaded));
        rerender((n) => n + 1);
      } catch (e) {
        if (navigator.onLine) window.location.reload();
        throw e;
      }
    };
    return (
      <PageErrorBoundary onRetry={retry}>
        <Suspense fallback={pageSpinner}>
          <Page />
        </Suspense>
      </PageErrorBoundary>
    );
  };
}
