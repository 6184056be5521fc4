import { Button, Result } from 'antd';
import type { ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { useI18n } from '../i18n';
import { useAuth } from './AuthContext';

/** Admin pages for administrators only: anyone else gets a clear page instead of a screen of 403 errors. */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const { t } = useI18n();
  const navigate = useNavigate();
  if (user?.role === 'admin') return children;
  return (
    <div data-testid="admin-only">
      <Result
        status="403"
        title={t('admin.only.title')}
        subTitle={t('admin.only.body')}
        extra={
          <Button type="primary" onClick={() => navigate('/chat')}>
            {t('admin.only.back')}
          </Button>
        }
      />
    </div>
  );
}
