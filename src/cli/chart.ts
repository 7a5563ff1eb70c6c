// A log-scale bar chart of gradient norms against the distance to the last step, for terminals;
// a curve may carry a second, clipped version drawn row by row under the raw one.

/** One curve: ‖∂L_T/∂h_k‖ for k = 0 … T−1. */
export interface FlowSeries {
  /** Its name, e.g. `'tanh RNN'`. */
  label: string;
  /** The norms by step k (the last one is the last step T−1). */
  norms: readonly number[];
  /** The same norms after global-norm clipping (drawn under each raw row, on the same scale). */
  clipped?: readonly number[];
  /** A note appended to the title line, e.g. the clip factor. */
  note?: string;
}

/** Options of {@link flowChart}. */
export interface FlowChartOptions {
  /** Rows (distances) per series; default 12. */
  rows?: number;
  /** Width of the longest bar in characters; default 40. */
  width?: number;
}

/**
 * The distances T−1−k to show: `rows` values from 0 to T−1, evenly spread, always including both
 * ends.
 */
export function chartDistances(T: number, rows: number): number[] {
  if (T <= rows) return Array.from({ length: T }, (_, d) => d);
  const out = new Set<number>();
  for (let i = 0; i < rows; i++) out.add(Math.round((i * (T - 1)) / (rows - 1)));
  return [...out].sort((a, b) => a - b);
}

/** Decades [lo, hi] (powers of ten) spanning every positive finite value. */
export function logRange(series: readonly FlowSeries[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    for (const v of [...s.norms, ...(s.clipped ?? [])]) {
      if (v > 0 && Number.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
  }
  if (min === Infinity) return [-1, 0];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
  return [lo, hi];
}

/** How a curve behaves from the last step back to the first: the ratio and a word. */
export function verdict(norms: readonly number[]): { ratio: number; word: string } {
  const last = norms[norms.length - 1];
  const first = norms[0];
  const ratio = last > 0 ? first / last : NaN;
  const word = !Number.isFinite(ratio)
    ? 'undefined'
    : ratio <= 1e-3
      ? 'vanishing'
      : ratio >= 1e3
        ? 'exploding'
        : ratio < 0.1
          ? 'decaying'
          : ratio > 10
            ? 'growing'
            : 'flowing';
  return { ratio, word };
}

/**
 * The chart as lines: per series a title, then one row per chosen distance with a bar whose
 * length is log10 of the norm on a scale shared by all series (so they compare), and the value.
 */
export function flowChart(series: readonly FlowSeries[], options: FlowChartOptions = {}): string[] {
  const rows = Math.max(2, options.rows ?? 12);
  const width = Math.max(10, options.width ?? 40);
  const [lo, hi] = logRange(series);
  const lines: string[] = [];
  const T = Math.max(...series.map((s) => s.norms.length));
  const scale = `log scale: empty bar = 1e${lo}, full bar = 1e${hi}`;
  lines.push(`‖∂L_T/∂h_k‖ against the distance T−1−k from the last step (T = ${T}); ${scale}`);
  const distances = chartDistances(T, rows);
  const pad = String(T - 1).length;
  const row = (head: string, v: number): string => {
    const cells = v > 0 && Number.isFinite(v) ? ((Math.log10(v) - lo) / (hi - lo)) * width : 0;
    const full = Math.floor(cells);
    const half = cells - full >= 0.5 ? '▌' : '';
    const barText = ('█'.repeat(Math.max(0, full)) + half).padEnd(width, ' ');
    return `  ${head} │${barText}│ ${Number.isFinite(v) ? v.toExponential(2) : String(v)}`;
  };
  for (const s of series) {
    const { ratio, word } = verdict(s.norms);
    lines.push(
      '',
      `${s.label}: ${word} — ‖∂L_T/∂h_0‖ / ‖∂L_T/∂h_{T−1}‖ = ${Number.isFinite(ratio) ? ratio.toExponential(1) : 'n/a'}${s.note ? `; ${s.note}` : ''}`,
    );
    for (const d of distances) {
      const k = s.norms.length - 1 - d;
      if (k < 0) continue;
      const head = `T−1−k = ${String(d).padStart(pad)}`;
      lines.push(row(head, s.norms[k]));
      if (s.clipped !== undefined) lines.push(row('clipped'.padStart(head.length), s.clipped[k]));
    }
  }
  return lines;
}
