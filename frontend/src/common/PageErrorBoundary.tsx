import { Button, Result } from 'antd';
import { Component, type ReactNode } from 'react';
import { useI18n } from '../i18n';

interface Props {
  children: ReactNode;
  /** Try again; resolves when the page can render again, rejects while it still cannot. */
  onRetry: () => Promise<void> | void;
}

/** Catches a page that failed to load or render, so the app around it stays usable and a retry is one click. */
export class PageErrorBoundary extends Component<Props, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  componentDidMount() {
    window.addEventListener('online', this.retry);
  }

  componentWillUnmount() {
    window.removeEventListener('online', this.retry);
  }

  /** Still failing (offline): the error stays shown, with its new reason. */
  retry = async () => {
    if (!this.state.error) return;
    try {
      await this.props.onRetry();
      this.setState({ error: null });
    } catch (e) {
      this.setState({ error: e instanceof Error ? e : new Error(String(e)) });
    }
  };

  render() {
    return this.state.error ? <PageError error={this.state.error} onRetry={() => void this.retry()} /> : this.props.children;
  }
}

/** A chunk that failed to download says so (offline); anything else shows its message. */
export function isChunkLoadError(error: Error): boolean {
  return /dynamically imported module|Importing a module script failed|error loading dynamically imported module|ChunkLoadError/i.test(
    `${error.name} ${error.message}`,
  );
}

function PageError({ error, onRetry }: { error: Error; onRetry: () => void }) {
  const { t } = useI18n();
  const offline = isChunkLoadError(error) || !navigator.onLine;
  return (
    <div data-testid="page-error">
      <Result
        status="warning"
        title={offline ? t('page.offlineTitle') : t('page.errorTitle')}
        subTitle={offline ? t('page.offlineHint') : error.message}
        extra={
          <Button type="primary" onClick={onRetry} data-testid="page-retry">
            {t('common.retry')}
          </Button>
        }
      />
    </div>
  );
}
