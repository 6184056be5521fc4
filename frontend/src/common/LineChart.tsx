import { theme } from 'antd';

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
}

interface Props {
  series: Series[];
  height?: number;
  /** Fixed y range (e.g. 0–100 for percentages); otherwise fitted to the data. */
  yMin?: number;
  yMax?: number;
  format?: (v: number) => string;
  /** Label of the x axis's ticks (e.g. `12 s`, `step 40`). */
  xFormat?: (x: number) => string;
  testId?: string;
}

const W = 600;
const PAD = { l: 44, r: 8, t: 8, b: 22 };

/** A dependency-free SVG line chart that scales to its container's width. */
export function LineChart({ series, height = 160, yMin, yMax, format = (v) => v.toFixed(2), xFormat = (x) => String(Math.round(x)), testId }: Props) {
  const { token } = theme.useToken();
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const x0 = Math.min(...xs, 0);
  const x1 = Math.max(...xs, 1);
  let y0 = yMin ?? Math.min(...ys, Infinity);
  let y1 = yMax ?? Math.max(...ys, -Infinity);
  if (!isFinite(y0) || !isFinite(y1)) [y0, y1] = [0, 1];
  if (y0 === y1) y1 = y0 + 1;
  const sx = (x: number) => PAD.l + ((x - x0) / (x1 - x0 || 1)) * (W - PAD.l - PAD.r);
  const sy = (y: number) => PAD.t + (1 - (y - y0) / (y1 - y0)) * (height - PAD.t - PAD.b);
  // Ticks whose labels read the same (0, 0.5, 1 as "0", "1", "1") are shown once.
  const ticks = [y0, (y0 + y1) / 2, y1].filter((v, i, all) => all.findIndex((w) => format(w) === format(v)) === i);
  const xTicks = (all.length ? [x0, (x0 + x1) / 2, x1] : []).filter((v, i, xs) => xs.findIndex((w) => xFormat(w) === xFormat(v)) === i);
  return (
    <div data-testid={testId}>
      {series.length > 1 && (
        <div className="lm-legend">
          {series.map((s) => (
            <span key={s.name}>
              <i style={{ background: s.color }} />
              {s.name}
            </span>
          ))}
        </div>
      )}
      <svg viewBox={`0 0 ${W} ${height}`} className="lm-chart" role="img">
        {ticks.map((v) => (
          <g key={v}>
            <line x1={PAD.l} x2={W - PAD.r} y1={sy(v)} y2={sy(v)} stroke={token.colorBorderSecondary} />
            <text x={PAD.l - 4} y={sy(v) + 4} textAnchor="end" fontSize="11" fill={token.colorTextSecondary}>
              {format(v)}
            </text>
          </g>
        ))}
        {xTicks.map((x, i) => (
          <text
            key={`x${i}`}
            x={sx(x)}
            y={height - 6}
            textAnchor={i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle'}
            fontSize="11"
            fill={token.colorTextSecondary}
            data-testid="chart-x-tick"
          >
            {xFormat(x)}
          </text>
        ))}
        {series.map((s) =>
          s.points.length ? (
            <polyline
              key={s.name}
              fill="none"
              stroke={s.color}
              strokeWidth={2}
              vectorEffect="non-scaling-stroke"
              points={s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}
            >
              <title>{s.name}</title>
            </polyline>
          ) : null,
        )}
      </svg>
    </div>
  );
}
