import { describe, expect, it } from 'vitest';
import { histogramTotals, tokensPerSecondBetween } from './prometheus';

const scrape = (sum: number, count: number) => `# HELP localmind_tokens_per_second Decode speed
# TYPE localmind_tokens_per_second histogram
localmind_tokens_per_second_bucket{le="1.0"} 0.0
localmind_tokens_per_second_count ${count}
localmind_tokens_per_second_sum ${sum}
localmind_tokens_per_second_created 1.7e9
`;

describe('prometheus helpers', () => {
  it('reads a histogram sum and count', () => {
    expect(histogramTotals(scrape(40, 2), 'localmind_tokens_per_second')).toEqual({ sum: 40, count: 2 });
    expect(histogramTotals('', 'localmind_tokens_per_second')).toBeNull();
  });

  it('averages the answers finished between two scrapes', () => {
    expect(tokensPerSecondBetween(scrape(40, 2), scrape(76, 4))).toBe(18);
    expect(tokensPerSecondBetween(scrape(40, 2), scrape(40, 2))).toBeNull();
    expect(tokensPerSecondBetween(null, scrape(40, 2))).toBeNull();
  });
});
