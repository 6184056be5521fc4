import { describe, expect, it } from 'vitest';
import { en } from './en';
import { translate } from './index';
import { zh } from './zh';

describe('i18n dictionaries', () => {
  it('have exactly the same keys', () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
  });

  it('have no empty strings and keep the same placeholders', () => {
    const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(en) as Array<keyof typeof en>) {
      expect(zh[key].trim(), key).not.toBe('');
      expect(vars(zh[key]), key).toEqual(vars(en[key]));
    }
  });

  it('interpolates variables', () => {
    expect(translate('en', 'status.queuedAt', { n: 3 })).toBe('Queued at position 3');
    expect(translate('zh-CN', 'status.queuedAt', { n: 3 })).toBe('排队中，第 3 位');
  });
});
