import { describe, expect, it } from 'vitest';
import { shortcutFor } from './shortcuts';

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean }> = {}, target: EventTarget | null = null) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  target,
  ...mods,
});

describe('shortcutFor', () => {
  it('maps the chat shortcuts on both Ctrl and Cmd', () => {
    expect(shortcutFor(key('O', { ctrlKey: true, shiftKey: true }))).toBe('newChat');
    expect(shortcutFor(key('o', { metaKey: true, shiftKey: true }))).toBe('newChat');
    expect(shortcutFor(key('k', { ctrlKey: true }))).toBe('search');
    expect(shortcutFor(key('.', { metaKey: true }))).toBe('settings');
    expect(shortcutFor(key('Escape'))).toBe('stop');
    expect(shortcutFor(key('k'))).toBeNull();
  });

  it('leaves "?" to text fields, where it is a character', () => {
    expect(shortcutFor(key('?', { shiftKey: true }, document.body))).toBe('help');
    expect(shortcutFor(key('?', { shiftKey: true }, document.createElement('textarea')))).toBeNull();
  });
});
