/**
 * Charts drawn as inline SVG at report time: the page needs no script, no
 * network and no library, opens from disk anywhere and can be diffed.
 */
export interface Series {
  name: string;
  color: string;
  /** [x, y]; a NaN y breaks the line (an interval with no samples). */
  points: ReadonlyArray<readonly [number, number]>;
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  width?: number;
  height?: number;
}

const PAD = { left: 64, right: 16, top: 44, bottom: 40 };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Round tick step (1, 2, 5 x 10^n) giving about `count` ticks over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 1000) return `${+(v / 1000).toFixed(1)}k`;
  return `${+v.toPrecision(3)}`;
}

export function lineChart(options: ChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 260;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const all = options.series.flatMap((s) => s.points.filter(([, y]) => Number.isFinite(y)));
  const xMax = Math.max(1, ...all.map(([x]) => x));
  const top = Math.max(0, ...all.map(([, y]) => y));
  // An all-zero series (no errors) gets a 0..1 axis rather than a microscopic one.
  const yStep = niceStep(top > 0 ? top : 1, 5);
  const yMax = Math.max(yStep, Math.ceil(Math.max(0, ...all.map(([, y]) => y)) / yStep) * yStep);
  const sx = (x: number) => PAD.left + (x / xMax) * plotW;
  const sy = (y: number) => PAD.top + plotH - (y / yMax) * plotH;

  const grid: string[] = [];
  for (let y = 0; y <= yMax + yStep / 2; y += yStep) {
    grid.push(`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" class="grid"/>`);
    grid.push(`<text x="${PAD.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${fmt(y)}</text>`);
  }
  const xStep = niceStep(xMax, 8);
  for (let x = 0; x <= xMax + xStep / 2; x += xStep) {
    grid.push(`<text x="${sx(x).toFixed(1)}" y="${PAD.top + plotH + 16}" text-anchor="middle">${fmt(x)}</text>`);
  }

  const lines = options.series.map((s) => {
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
      pen = true;
    }
    // A lone point would draw nothing: a short stub keeps it visible.
    if (d && !d.includes('L')) d += 'h2';
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    return `<path d="${d}" stroke="${s.color}"${dash} data-series="${escapeXml(s.name)}"/>`;
  });
  const legend = options.series.map(
    (s, i) => `<g transform="translate(${PAD.left + i * 120},${PAD.top - 10})"><rect width="12" height="4" y="-4" fill="${s.color}"/><text x="16" y="0">${escapeXml(s.name)}</text></g>`,
  );

  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(options.title)}">
<title>${escapeXml(options.title)}</title>
<text x="8" y="16" class="label">${escapeXml(options.title)}</text>
${grid.join('\n')}
<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}" class="axis"/>
<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" class="axis"/>
<text x="${PAD.left + plotW / 2}" y="${height - 6}" text-anchor="middle" class="label">${escapeXml(options.xLabel)}</text>
<text transform="translate(14,${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle" class="label">${escapeXml(options.yLabel)}</text>
<g class="lines">${lines.join('\n')}</g>
${legend.join('\n')}
</svg>`;
}

/** Horizontal bars, one row per label, for per-request-type comparisons. */
export function barChart(title: string, unit: string, rows: ReadonlyArray<{ label: string; values: ReadonlyArray<{ name: string; value: number; color: string }> }>): string {
  const width = 720;
  const rowH = 16;
  const perRow = Math.max(1, ...rows.map((r) => r.values.length)) * rowH + 10;
  const height = 24 + rows.length * perRow + 10;
  const left = 140;
  const max = Math.max(1e-9, ...rows.flatMap((r) => r.values.map((v) => (Number.isFinite(v.value) ? v.value : 0))));
  const scale = (v: number) => ((width - left - 90) * (Number.isFinite(v) ? v : 0)) / max;
  const body = rows.map((row, i) => {
    const y0 = 24 + i * perRow;
    const bars = row.values.map(
      (v, j) =>
        `<rect class="bar" x="${left}" y="${y0 + j * rowH}" width="${Math.max(1, scale(v.value)).toFixed(1)}" height="${rowH - 3}" fill="${v.color}"/>` +
        `<text x="${(left + Math.max(1, scale(v.value)) + 4).toFixed(1)}" y="${y0 + j * rowH + 11}">${v.name} ${fmt(v.value)}${unit}</text>`,
    );
    return `<text x="${left - 8}" y="${y0 + 12}" text-anchor="end">${escapeXml(row.label)}</text>${bars.join('')}`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}">
<title>${escapeXml(title)}</title>
<text x="8" y="14" class="label">${escapeXml(title)}</text>
${body.join('\n')}
</svg>`;
}
