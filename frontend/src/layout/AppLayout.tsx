import {
  ApiOutlined,
  BookOutlined,
  DashboardOutlined,
  ExperimentOutlined,
  LikeOutlined,
  MenuOutlined,
  MessageOutlined,
  SettingOutlined,
} from '@ant-design/icons';
import { Button, Drawer, Layout, Menu, theme } from 'antd';
import { useState, type ReactNode } from 'react';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext';
import { useI18n } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { HeaderControls } from './HeaderControls';
import { useIsMobile } from './useIsMobile';

const NAV: Array<{ path: string; key: MessageKey; icon: ReactNode; admin?: boolean }> = [
  { path: '/chat', key: 'nav.chat', icon: <MessageOutlined /> },
  { path: '/knowledge', key: 'nav.knowledge', icon: <BookOutlined /> },
  { path: '/finetune', key: 'nav.finetune', icon: <ExperimentOutlined /> },
  { path: '/feedback', key: 'nav.feedback', icon: <LikeOutlined /> },
  { path: '/admin', key: 'nav.admin', icon: <ApiOutlined />, admin: true },
  { path: '/monitor', key: 'nav.monitor', icon: <DashboardOutlined /> },
  { path: '/settings', key: 'nav.settings', icon: <SettingOutlined /> },
];

/** Header (navigation + controls) above the page; on mobile the navigation lives in a Drawer. */
export function AppLayout() {
  const { t } = useI18n();
  const { user } = useAuth();
  const { pathname } = useLocation();
  const isMobile = useIsMobile();
  const [navOpen, setNavOpen] = useState(false);
  const { token } = theme.useToken();

  const items = NAV.filter((n) => !n.admin || user?.role === 'admin').map((n) => ({
    key: n.path,
    icon: n.icon,
    label: (
      <Link to={n.path} data-testid={`nav-${n.path.slice(1)}`} onClick={() => setNavOpen(false)}>
        {t(n.key)}
      </Link>
    ),
  }));
  const selected = NAV.find((n) => pathname.startsWith(n.path))?.path ?? '/chat';

  return (
    <Layout className="lm-app">
      <Layout.Header className="lm-header" style={{ background: token.colorBgContainer, borderColor: token.colorBorderSecondary }}>
        {isMobile && (
          <Button
            data-testid="header-menu-toggle"
            aria-label={t('nav.menu')}
            type="text"
            icon={<MenuOutlined />}
            onClick={() => setNavOpen(true)}
          />
        )}
        <Link to="/chat" className="lm-logo" data-testid="header-logo" style={{ color: token.colorText }}>
          {t('app.name')}
        </Link>
        {isMobile ? (
          <div className="lm-header-spacer" />
        ) : (
          <Menu
            data-testid="header-nav"
            className="lm-header-nav"
            mode="horizontal"
            selectedKeys={[selected]}
            items={items}
          />
        )}
        <HeaderControls compact={isMobile} />
      </Layout.Header>
      {isMobile && (
        <Drawer
          placement="left"
          width={260}
          open={navOpen}
          onClose={() => setNavOpen(false)}
          title={t('app.name')}
          styles={{ body: { padding: 0 } }}
        >
          <Menu mode="inline" selectedKeys={[selected]} items={items} data-testid="nav-drawer" />
        </Drawer>
      )}
      <Layout.Content className="lm-content">
        <Outlet />
      </Layout.Content>
    </Layout>
  );
}
