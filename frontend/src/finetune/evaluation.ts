import type { JobEvaluation } from '../api/types';

export interface EvaluationRow {
  metric: 'exact' | 'contains' | 'judge';
  base: number | null;
  adapter: number | null;
  /** adapter − base, when both are known. */
  delta: number | null;
}

/** The comparison table's rows: exact and contains always, the judge's score when either side has one. */
export function evaluationRows(evaluation: JobEvaluation): EvaluationRow[] {
  const metrics: EvaluationRow['metric'][] = ['exact', 'contains'];
  if (evaluation.base?.judge != null || evaluation.adapter?.judge != null) metrics.push('judge');
  return metrics.map((metric) => {
    const base = evaluation.base?.[metric] ?? null;
    const adapter = evaluation.adapter?.[metric] ?? null;
    return { metric, base, adapter, delta: base !== null && adapter !== null ? adapter - base : null };
  });
}

/** 0.5 → "50%", -0.25 → "−25 pp" for a difference. */
export function percent(value: number | null, signed = false): string {
  if (value === null) return '—';
  const points = Math.round(value * 1000) / 10;
  if (!signed) return `${points}%`;
  return `${points > 0 ? '+' : points < 0 ? '−' : '±'}${Math.abs(points)} pp`;
}
