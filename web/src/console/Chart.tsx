/** A small SVG line chart (no chart library: the console's whole bundle stays small). */
export interface Series {
  name: string;
  color: string;
  points: [number, number | null][];
}

const W = 520;
const H = 150;
const PAD = 34;

export function Chart({ title, series, markers = [], unit, window: span = 120_000, id }: {
  title: string;
  series: Series[];
  markers?: { at: number; label: string }[];
  unit: string;
  window?: number;
  id: string;
}) {
  const now = Math.max(Date.now(), ...series.flatMap((s) => s.points.map((p) => p[0])));
  const from = now - span;
  const values = series.flatMap((s) => s.points.filter((p) => p[0] >= from).map((p) => p[1] ?? 0));
  const max = Math.max(1e-9, ...values) * 1.1;
  const x = (t: number) => PAD + ((t - from) / span) * (W - PAD - 8);
  const y = (v: number) => H - 18 - (v / max) * (H - 30);
  const last = series.map((s) => `${s.name} ${format(s.points.at(-1)?.[1] ?? null, unit)}`).join(', ');
  return (
    <figure className="chart" data-testid={id} data-points={values.length}>
      <figcaption>{title} <span className="chart-last">{last}</span></figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${last || 'no data yet'}`}>
        <line x1={PAD} y1={H - 18} x2={W - 8} y2={H - 18} className="axis" />
        <text x={2} y={14} className="tick">{format(max, unit)}</text>
        <text x={2} y={H - 20} className="tick">0</text>
        {markers.filter((m) => m.at >= from).map((m) => (
          <g key={`${m.at}-${m.label}`} className="marker">
            <line x1={x(m.at)} x2={x(m.at)} y1={8} y2={H - 18} />
            <text x={x(m.at) + 3} y={18}>{m.label}</text>
          </g>
        ))}
        {series.map((s) => {
          const points = s.points.filter((p) => p[0] >= from && p[1] !== null);
          if (points.length === 0) return null;
          return <polyline key={s.name} fill="none" stroke={s.color} strokeWidth={2} points={points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1] ?? 0).toFixed(1)}`).join(' ')} />;
        })}
      </svg>
      <ul className="legend">
        {series.map((s) => <li key={s.name}><span className="swatch" style={{ background: s.color }} aria-hidden="true" />{s.name}</li>)}
      </ul>
    </figure>
  );
}

export function format(value: number | null, unit: string): string {
  if (value === null || Number.isNaN(value)) return '–';
  if (unit === 's') return value < 1 ? `${(value * 1000).toFixed(1)} ms` : `${value.toFixed(2)} s`;
  if (unit === 'ms') return `${value.toFixed(1)} ms`;
  if (unit === '%') return `${(value * 100).toFixed(0)}%`;
  return `${value.toFixed(value < 10 ? 1 : 0)}${unit ? ` ${unit}` : ''}`;
}
