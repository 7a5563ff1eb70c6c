// Two small canvas charts, no library: the loss curve and the gradient-flow profile.

/** Colours, read from the page's CSS custom properties so the charts follow the stylesheet. */
function palette(canvas: HTMLCanvasElement): Record<'ink' | 'muted' | 'grid' | 'accent' | 'accent2', string> {
  const css = getComputedStyle(canvas);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  return {
    ink: v('--ink', '#1d2330'),
    muted: v('--muted', '#6b7385'),
    grid: v('--grid', '#e6e8ee'),
    accent: v('--accent', '#2f6fed'),
    accent2: v('--accent-2', '#e8793a'),
  };
}

/** A 2-D context sized to the canvas's CSS box at the device's pixel ratio; returns it with the box size. */
function setup(canvas: HTMLCanvasElement): { g: CanvasRenderingContext2D; w: number; h: number } {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const g = canvas.getContext('2d')!;
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, h);
  g.font = '11px ui-sans-serif, system-ui, sans-serif';
  return { g, w, h };
}

/** Round numbers for axis ticks between lo and hi (about `count` of them). */
function ticks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push(Number(t.toPrecision(6)));
  return out;
}

/** The plot area inside the axes' margins. */
const M = { left: 44, right: 12, top: 12, bottom: 26 };

/**
 * Exponential moving average with Adam's bias correction (the curve a reader follows through the
 * noise): early on it is the plain mean of the values so far, later it forgets at rate `alpha`.
 */
export function smooth(values: readonly number[], alpha = 0.05): number[] {
  const out: number[] = [];
  let m = 0;
  let weight = 0;
  for (const v of values) {
    m = (1 - alpha) * m + alpha * v;
    weight = (1 - alpha) * weight + alpha;
    out.push(m / weight);
  }
  return out;
}

/**
 * Draws the training loss per update: the raw values faint, their moving average bold.
 * @param losses one loss per update, in order
 */
export function drawLoss(canvas: HTMLCanvasElement, losses: readonly number[]): void {
  const { g, w, h } = setup(canvas);
  const c = palette(canvas);
  const pw = w - M.left - M.right;
  const ph = h - M.top - M.bottom;
  const n = losses.length;
  const hiRaw = n > 0 ? Math.max(...losses.slice(0, Math.min(n, 20))) : 5;
  const lo = 0;
  const hi = Math.max(hiRaw, ...losses.slice(-1)) * 1.05 || 1;
  const x = (i: number): number => M.left + (n <= 1 ? 0 : (i / (n - 1)) * pw);
  const y = (v: number): number => M.top + ph - ((Math.min(v, hi) - lo) / (hi - lo)) * ph;

  g.strokeStyle = c.grid;
  g.fillStyle = c.muted;
  g.lineWidth = 1;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (const t of ticks(lo, hi, 4)) {
    g.beginPath();
    g.moveTo(M.left, Math.round(y(t)) + 0.5);
    g.lineTo(w - M.right, Math.round(y(t)) + 0.5);
    g.stroke();
    g.fillText(String(t), M.left - 6, y(t));
  }
  g.textAlign = 'center';
  g.textBaseline = 'top';
  for (const t of ticks(1, Math.max(n, 2), 5)) if (t >= 1 && t <= n) g.fillText(String(t), x(t - 1), h - M.bottom + 6);
  if (n === 0) {
    g.fillText('press Train to start', M.left + pw / 2, M.top + ph / 2);
    return;
  }
  const line = (values: readonly number[], colour: string, width: number, alpha: number): void => {
    g.globalAlpha = alpha;
    g.strokeStyle = colour;
    g.lineWidth = width;
    g.lineJoin = 'round';
    g.beginPath();
    // at most one point per pixel column: the curve stays cheap to draw after thousands of updates
    const stride = Math.max(1, Math.floor(n / pw));
    for (let i = 0; i < n; i += stride) (i === 0 ? g.moveTo : g.lineTo).call(g, x(i), y(values[i]));
    g.lineTo(x(n - 1), y(values[n - 1]));
    g.stroke();
    g.globalAlpha = 1;
  };
  line(losses, c.accent, 1, 0.25);
  line(smooth(losses), c.accent, 2, 1);
}

/** One gradient-flow profile: ‖∂L_T/∂h_k‖ for k = 0 … T−1, and when it was taken. */
export interface FlowProfile {
  step: number;
  norms: readonly number[];
}

/**
 * Draws ‖∂L_T/∂h_k‖ against the distance T−1−k on a log scale: how strongly the loss at the last
 * step still feels each earlier state. Older profiles are drawn faint, the newest bold.
 */
export function drawFlow(canvas: HTMLCanvasElement, profiles: readonly FlowProfile[]): void {
  const { g, w, h } = setup(canvas);
  const c = palette(canvas);
  const pw = w - M.left - M.right;
  const ph = h - M.top - M.bottom;
  if (profiles.length === 0) {
    g.fillStyle = c.muted;
    g.textAlign = 'center';
    g.fillText('appears once training starts', M.left + pw / 2, M.top + ph / 2);
    return;
  }
  const all = profiles.flatMap((p) => p.norms).filter((v) => v > 0 && Number.isFinite(v));
  let lo = Math.floor(Math.log10(Math.min(...all, 1e-3)));
  const hi = Math.ceil(Math.log10(Math.max(...all, 1e-3)));
  if (hi - lo < 2) lo = hi - 2;
  lo = Math.max(lo, hi - 12);
  const T = profiles[0].norms.length;
  const x = (d: number): number => M.left + (T <= 1 ? 0 : (d / (T - 1)) * pw);
  const y = (v: number): number => {
    const l = v > 0 ? Math.log10(v) : lo;
    return M.top + ph - ((Math.max(l, lo) - lo) / (hi - lo)) * ph;
  };

  g.strokeStyle = c.grid;
  g.fillStyle = c.muted;
  g.lineWidth = 1;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  const every = Math.ceil((hi - lo) / 5);
  for (let e = lo; e <= hi; e += every) {
    const yy = Math.round(y(10 ** e)) + 0.5;
    g.beginPath();
    g.moveTo(M.left, yy);
    g.lineTo(w - M.right, yy);
    g.stroke();
    g.fillText(`1e${e}`, M.left - 6, yy);
  }
  g.textAlign = 'center';
  g.textBaseline = 'top';
  for (const t of ticks(0, T - 1, 5)) g.fillText(String(t), x(t), h - M.bottom + 6);

  profiles.forEach((p, i) => {
    const newest = i === profiles.length - 1;
    g.globalAlpha = newest ? 1 : 0.12 + 0.4 * (i / profiles.length);
    g.strokeStyle = newest ? c.accent2 : c.muted;
    g.lineWidth = newest ? 2 : 1;
    g.beginPath();
    // plotted against the distance d = T−1−k from the last step
    for (let d = 0; d < T; d++) (d === 0 ? g.moveTo : g.lineTo).call(g, x(d), y(p.norms[T - 1 - d]));
    g.stroke();
  });
  g.globalAlpha = 1;
}
