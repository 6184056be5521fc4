import { Empty } from 'antd';
import { useEffect, useRef, type ReactNode } from 'react';
import { useI18n } from '../i18n';

/** Scrollable message column that follows the bottom while the user is near it. */
export function MessageList({ children, empty, contentKey }: { children: ReactNode; empty: boolean; contentKey: unknown }) {
  const { t } = useI18n();
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [contentKey]);
  return (
    <div
      className="lm-messages"
      data-testid="message-list"
      ref={ref}
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      }}
    >
      <div className="lm-messages-inner">
        {empty ? <Empty description={t('chat.empty')} style={{ marginTop: '15vh' }} /> : children}
      </div>
    </div>
  );
}
