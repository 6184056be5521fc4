import { App as AntApp, ConfigProvider, theme as antTheme } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n';

export type ThemeMode = 'light' | 'dark';
const KEY = 'lm.theme';

const ThemeContext = createContext<{ mode: ThemeMode; setMode: (m: ThemeMode) => void } | null>(null);

/** antd ConfigProvider with the light/dark algorithm and the locale of the chosen language. */
export function ThemeProvider({ children }: { children: ReactNode }) {
  const { lang } = useI18n();
  const [mode, setModeState] = useState<ThemeMode>(() =>
    localStorage.getItem(KEY) === 'dark' ||
    (!localStorage.getItem(KEY) && window.matchMedia?.('(prefers-color-scheme: dark)').matches)
      ? 'dark'
      : 'light',
  );
  const setMode = useCallback((m: ThemeMode) => {
    localStorage.setItem(KEY, m);
    setModeState(m);
  }, []);
  useEffect(() => {
    document.documentElement.dataset.theme = mode;
  }, [mode]);
  return (
    <ThemeContext.Provider value={{ mode, setMode }}>
      <ConfigProvider
        locale={lang === 'zh-CN' ? zhCN : enUS}
        theme={{ algorithm: mode === 'dark' ? antTheme.darkAlgorithm : antTheme.defaultAlgorithm }}
      >
        <AntApp className="lm-root">{children}</AntApp>
      </ConfigProvider>
    </ThemeContext.Provider>
  );
}

export function useThemeMode() {
  const ctx = useContext(ThemeContext);
  if (!ctx) throw new Error('useThemeMode outside ThemeProvider');
  return ctx;
}
