/** Sum and count of a Prometheus histogram (unlabelled series) in /metrics text, or null. */
export function histogramTotals(text: string, name: string): { sum: number; count: number } | null {
  const value = (suffix: string) => {
    const m = new RegExp(`^${name}_${suffix}(?:\\{[^}]*\\})? ([0-9.eE+-]+|NaN)$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  const sum = value('sum');
  const count = value('count');
  return sum === null || count === null ? null : { sum, count };
}

/**
 * Mean tokens/s of the answers finished between two scrapes of `localmind_tokens_per_second`;
 * null when none finished in between (or either scrape lacks the histogram).
 */
export function tokensPerSecondBetween(previous: string | null, current: string): number | null {
  const a = previous ? histogramTotals(previous, 'localmind_tokens_per_second') : null;
  const b = histogramTotals(current, 'localmind_tokens_per_second');
  if (!a || !b || b.count <= a.count) return null;
  return (b.sum - a.sum) / (b.count - a.count);
}
