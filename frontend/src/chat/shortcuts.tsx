import { Modal, Typography } from 'antd';
import { useEffect } from 'react';
import { useI18n } from '../i18n';
import type { MessageKey } from '../i18n/en';

export type ShortcutAction = 'newChat' | 'search' | 'stop' | 'settings' | 'help';

const MOD = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl';

/** Every chat shortcut, as the `?` sheet lists it. */
export const SHORTCUTS: Array<{ action: ShortcutAction; keys: string[]; label: MessageKey }> = [
  { action: 'newChat', keys: [MOD, 'Shift', 'O'], label: 'shortcuts.newChat' },
  { action: 'search', keys: [MOD, 'K'], label: 'shortcuts.search' },
  { action: 'stop', keys: ['Esc'], label: 'shortcuts.stop' },
  { action: 'settings', keys: [MOD, '.'], label: 'shortcuts.settings' },
  { action: 'help', keys: ['?'], label: 'shortcuts.help' },
];

const typingIn = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/** Which shortcut a key press is, if any (`?` only outside text fields, where it is a character). */
export function shortcutFor(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'target'>): ShortcutAction | null {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.toLowerCase();
  if (mod && e.shiftKey && key === 'o') return 'newChat';
  if (mod && !e.shiftKey && key === 'k') return 'search';
  if (mod && key === '.') return 'settings';
  if (e.key === 'Escape') return 'stop';
  if (e.key === '?' && !mod && !typingIn(e.target)) return 'help';
  return null;
}

/** Calls the handler for each shortcut pressed anywhere on the page. */
export function useShortcuts(handlers: Partial<Record<ShortcutAction, () => void>>) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = shortcutFor(e);
      const handler = action && handlers[action];
      if (!handler) return;
      e.preventDefault();
      handler();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [handlers]);
}

/** The `?` sheet. */
export function ShortcutSheet({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Modal open={open} onCancel={onClose} footer={null} title={t('shortcuts.title')} width={420}>
      <table className="lm-shortcuts" data-testid="shortcut-sheet">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.action}>
              <td>{t(s.label)}</td>
              <td>
                {s.keys.map((k) => (
                  <Typography.Text keyboard key={k}>
                    {k}
                  </Typography.Text>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Modal>
  );
}
