import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { App } from './App';
import { AuthProvider } from './auth/AuthContext';
import { PageErrorBoundary } from './common/PageErrorBoundary';
import { I18nProvider } from './i18n';
import { ThemeProvider } from './layout/ThemeProvider';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <I18nProvider>
      <ThemeProvider>
        <BrowserRouter>
          <AuthProvider>
            <PageErrorBoundary onRetry={() => window.location.reload()}>
              <App />
            </PageErrorBoundary>
          </AuthProvider>
        </BrowserRouter>
      </ThemeProvider>
    </I18nProvider>
  </StrictMode>,
);
