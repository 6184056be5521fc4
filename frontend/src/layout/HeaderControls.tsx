import { LogoutOutlined, MoonOutlined, SunOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Dropdown, Select, Tooltip } from 'antd';
import { useAuth } from '../auth/AuthContext';
import { languageNames, useI18n, type Language } from '../i18n';
import { useThemeMode } from './ThemeProvider';

/** Language, theme and account controls on the right of the header. */
export function HeaderControls({ compact }: { compact: boolean }) {
  const { t, lang } = useI18n();
  const { mode, setMode } = useThemeMode();
  const { user, logout, changeLanguage } = useAuth();
  return (
    <div className="lm-header-controls">
      <Select<Language>
        data-testid="header-language"
        aria-label={t('header.language')}
        size="small"
        value={lang}
        onChange={changeLanguage}
        popupMatchSelectWidth={false}
        style={{ width: compact ? 64 : 104 }}
        options={(Object.keys(languageNames) as Language[]).map((l) => ({
          value: l,
          label: compact ? (l === 'en' ? 'EN' : '中') : languageNames[l],
        }))}
      />
      <Tooltip title={t('header.theme')}>
        <Button
          data-testid="header-theme"
          aria-label={t('header.theme')}
          type="text"
          icon={mode === 'dark' ? <SunOutlined /> : <MoonOutlined />}
          onClick={() => setMode(mode === 'dark' ? 'light' : 'dark')}
        />
      </Tooltip>
      <Dropdown
        trigger={['click']}
        menu={{
          items: [{ key: 'logout', icon: <LogoutOutlined />, label: <span data-testid="logout">{t('header.logout')}</span> }],
          onClick: () => void logout(),
        }}
      >
        <Button data-testid="header-user" type="text" icon={<UserOutlined />} className="lm-header-user">
          {!compact && <span className="lm-ellipsis">{user?.display_name || user?.username}</span>}
        </Button>
      </Dropdown>
    </div>
  );
}
