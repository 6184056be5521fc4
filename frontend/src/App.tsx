import type { ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { AuthPage } from './auth/AuthPage';
import { useAuth } from './auth/AuthContext';
import { RequireAdmin } from './auth/RequireAdmin';
import { ChatPage } from './chat/ChatPage';
import { lazyPage, pageSpinner } from './common/lazyPage';
import { AppLayout } from './layout/AppLayout';

const KnowledgePage = lazyPage(() => import('./knowledge/KnowledgePage'));
const FinetunePage = lazyPage(() => import('./finetune/FinetunePage'));
const FeedbackPage = lazyPage(() => import('./feedback/FeedbackPage'));
const AdminPage = lazyPage(() => import('./admin/AdminPage'));
const MonitorPage = lazyPage(() => import('./monitor/MonitorPage'));
const SettingsPage = lazyPage(() => import('./settings/SettingsPage'));

function RequireAuth({ children }: { children: ReactNode }) {
  const { user, checking } = useAuth();
  if (checking) return pageSpinner;
  return user ? children : <Navigate to="/login" replace />;
}

export function App() {
  const { user } = useAuth();
  return (
    <Routes>
      <Route path="/login" element={user ? <Navigate to="/chat" replace /> : <AuthPage key="login" mode="login" />} />
      <Route path="/register" element={<AuthPage key="register" mode="register" />} />
      <Route
        element={
          <RequireAuth>
            <AppLayout />
          </RequireAuth>
        }
      >
        <Route path="/chat/:conversationId?" element={<ChatPage />} />
        <Route path="/knowledge" element={<KnowledgePage />} />
        <Route path="/finetune" element={<FinetunePage />} />
        <Route path="/feedback" element={<FeedbackPage />} />
        <Route
          path="/admin"
          element={
            <RequireAdmin>
              <AdminPage />
            </RequireAdmin>
          }
        />
        <Route path="/models" element={<Navigate to="/admin?tab=models" replace />} />
        <Route path="/monitor" element={<MonitorPage />} />
        <Route path="/settings" element={<SettingsPage />} />
      </Route>
      <Route path="*" element={<Navigate to="/chat" replace />} />
    </Routes>
  );
}
