import { Card, Form, Segmented, Select } from 'antd';
import { useAuth } from '../auth/AuthContext';
import { languageNames, useI18n, type Language } from '../i18n';
import { useThemeMode, type ThemeMode } from '../layout/ThemeProvider';

/** Language (saved to the profile too) and light/dark theme. */
export function Appearance() {
  const { t, lang } = useI18n();
  const { mode, setMode } = useThemeMode();
  const { changeLanguage } = useAuth();
  return (
    <Card size="small" title={t('settings.appearance')} style={{ marginBottom: 16 }}>
      <Form layout="vertical">
        <Form.Item label={t('settings.language')}>
          <Select<Language>
            value={lang}
            onChange={changeLanguage}
            data-testid="settings-language"
            options={(Object.keys(languageNames) as Language[]).map((l) => ({ value: l, label: languageNames[l] }))}
          />
        </Form.Item>
        <Form.Item label={t('settings.theme')}>
          <Segmented<ThemeMode>
            value={mode}
            onChange={setMode}
            options={[
              { value: 'light', label: t('settings.light') },
              { value: 'dark', label: t('settings.dark') },
            ]}
          />
        </Form.Item>
      </Form>
    </Card>
  );
}
