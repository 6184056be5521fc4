import { Spin } from 'antd';
import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { AuthPage } from './auth/AuthPage';
import { useAuth } from './auth/AuthContext';
import { ChatPage } from './chat/ChatPage';
import { AppLayout } from './layout/AppLayout';

const KnowledgePage = lazy(() => import('./knowledge/KnowledgePage'));
const FinetunePage = lazy(() => import('./finetune/FinetunePage'));
const ModelsPage = lazy(() => import('./models/ModelsPage'));
const MonitorPage = lazy(() => import('./monitor/MonitorPage'));
const SettingsPage = lazy(() => import('./settings/SettingsPage'));

const centered = <Spin size="large" style={{ display: 'block', margin: '20vh auto' }} />;

function RequireAuth({ children }: { children: ReactNode }) {
  const { user, checking } = useAuth();
  if (checking) return centered;
  return user ? children : <Navigate to="/login" replace />;
}

export function App() {
  const { user } = useAuth();
  return (
    <Routes>
      <Route path="/login" element={user ? <Navigate to="/chat" replace /> : <AuthPage mode="login" />} />
      <Route path="/register" element={<AuthPage mode="register" />} />
      <Route
        element={
          <RequireAuth>
            <AppLayout />
          </RequireAuth>
        }
      >
        <Route path="/chat/:conversationId?" element={<ChatPage />} />
        <Route path="/knowledge" element={<Suspense fallback={centered}><KnowledgePage /></Suspense>} />
        <Route path="/finetune" element={<Suspense fallback={centered}><FinetunePage /></Suspense>} />
        <Route path="/models" element={<Suspense fallback={centered}><ModelsPage /></Suspense>} />
        <Route path="/monitor" element={<Suspense fallback={centered}><MonitorPage /></Suspense>} />
        <Route path="/settings" element={<Suspense fallback={centered}><SettingsPage /></Suspense>} />
      </Route>
      <Route path="*" element={<Navigate to="/chat" replace />} />
    </Routes>
  );
}
