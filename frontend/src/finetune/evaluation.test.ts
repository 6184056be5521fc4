import { describe, expect, it } from 'vitest';
import { evaluationRows, percent } from './evaluation';

describe('evaluation comparison', () => {
  it('compares base and adapter on exact and contains match', () => {
    const rows = evaluationRows({ samples: 2, base: { exact: 0, contains: 0 }, adapter: { exact: 0.5, contains: 1 } });
    expect(rows).toEqual([
      { metric: 'exact', base: 0, adapter: 0.5, delta: 0.5 },
      { metric: 'contains', base: 0, adapter: 1, delta: 1 },
    ]);
  });

  it('adds the judge row only when a judge scored', () => {
    const rows = evaluationRows({ base: { exact: 0.2, contains: 0.4, judge: 0.3 }, adapter: { exact: 0.2, contains: 0.4, judge: null } });
    expect(rows.map((r) => r.metric)).toEqual(['exact', 'contains', 'judge']);
    expect(rows[2]).toEqual({ metric: 'judge', base: 0.3, adapter: null, delta: null });
  });

  it('formats rates and signed differences', () => {
    expect(percent(0.5)).toBe('50%');
    expect(percent(0.3333)).toBe('33.3%');
    expect(percent(null)).toBe('—');
    expect(percent(0.25, true)).toBe('+25 pp');
    expect(percent(-0.125, true)).toBe('−12.5 pp');
    expect(percent(0, true)).toBe('±0 pp');
  });
});
