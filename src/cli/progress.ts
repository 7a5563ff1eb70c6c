// Training progress: a live one-line bar on a terminal (redrawn in place at most ten times a
// second), plain lines on a pipe or in a file (CI logs), and other output (samples, epoch
// summaries) printed cleanly between redraws.
import { duration, rate, type CliIO } from './io.ts';

/** Where training is. */
export interface ProgressState {
  /** Updates so far. */
  step: number;
  /** Current epoch (1-based). */
  epoch: number;
  /** Epochs asked for (Infinity: no cap). */
  epochs: number;
  /** Fraction of the current epoch done, [0, 1]. */
  progress: number;
  /** Smoothed training loss (nats per token). */
  loss: number;
  /** Tokens per second. */
  tokensPerSecond: number;
  /** Seconds since training started. */
  elapsed: number;
  /** The time budget in seconds (0 or undefined: none). */
  timeLimit?: number;
}

/** Fraction of the whole run done: work done, or time used under a time limit, whichever is more. */
export function doneFraction(s: ProgressState): number {
  const work = Math.min(1, (s.epoch - 1 + s.progress) / s.epochs);
  const time = s.timeLimit ? Math.min(1, s.elapsed / s.timeLimit) : 0;
  return Math.max(work, time);
}

/** Estimated seconds left (null before any progress). */
export function etaSeconds(s: ProgressState): number | null {
  const work = Math.min(1, (s.epoch - 1 + s.progress) / s.epochs);
  if (work <= 0) return s.timeLimit ? Math.max(0, s.timeLimit - s.elapsed) : null;
  const byWork = (s.elapsed * (1 - work)) / work;
  return s.timeLimit ? Math.max(0, Math.min(byWork, s.timeLimit - s.elapsed)) : byWork;
}

/** The status words: `step 120  epoch 2/10  loss 2.134  9.8k tok/s  ETA 1m05s`. */
export function statusText(s: ProgressState): string {
  const eta = etaSeconds(s);
  return (
    `step ${s.step}  epoch ${epochOf(s)}  loss ${s.loss.toFixed(3)}  ${rate(s.tokensPerSecond)} tok/s  ` +
    `elapsed ${duration(s.elapsed)}  ETA ${eta === null ? '?' : duration(eta)}`
  );
}

/** `2/10`, or `2` without an epoch cap. */
function epochOf(s: ProgressState): string {
  return Number.isFinite(s.epochs) ? `${s.epoch}/${s.epochs}` : `${s.epoch}`;
}

/** A bar of `width` cells for a fraction in [0, 1], with eighth-cell resolution. */
export function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const part = eighths % 8;
  const partial = part > 0 ? '▏▎▍▌▋▊▉'[part - 1] : '';
  return ('█'.repeat(full) + partial).padEnd(width, ' ');
}

/** The live line: `│██████▌      │ 42% step 120 · epoch 2/10 · loss 2.134 · 9.8k tok/s · ETA 1m05s`, cut to the terminal width. */
export function liveLine(s: ProgressState, columns: number): string {
  const f = doneFraction(s);
  const eta = etaSeconds(s);
  const status =
    `${String(Math.floor(f * 100)).padStart(3)}% step ${s.step} · epoch ${epochOf(s)} · loss ${s.loss.toFixed(3)} · ` +
    `${rate(s.tokensPerSecond)} tok/s · ETA ${eta === null ? '?' : duration(eta)}`;
  const width = Math.max(5, Math.min(24, columns - 3 - status.length - 2));
  const line = `│${bar(f, width)}│ ${status}`;
  return line.length > columns - 1 ? line.slice(0, Math.max(0, columns - 1)) : line;
}

/**
 * Prints progress to a terminal or a log: {@link update} after each step; {@link print} for any
 * other output (it clears the live line first); {@link finish} at the end.
 */
export class ProgressReporter {
  private lastDraw = -Infinity;
  private lastPlain = -Infinity;
  private drawn = false;
  private state: ProgressState | null = null;

  /** @param plainEvery seconds between plain progress lines when not on a terminal */
  constructor(
    private readonly io: CliIO,
    private readonly plainEvery = 5,
  ) {}

  /** Reports the state after a step (rate-limited). */
  update(state: ProgressState): void {
    this.state = state;
    const now = state.elapsed;
    if (this.io.isTTY) {
      if (now - this.lastDraw < 0.1) return;
      this.lastDraw = now;
      this.io.out(`\r\x1b[2K${liveLine(state, this.io.columns)}`);
      this.drawn = true;
    } else if (now - this.lastPlain >= this.plainEvery) {
      this.lastPlain = now;
      this.io.out(`${statusText(state)}\n`);
    }
  }

  /** Prints whole lines of other output, keeping the live bar below them. */
  print(text: string): void {
    if (this.io.isTTY && this.drawn) this.io.out('\r\x1b[2K');
    this.io.out(text.endsWith('\n') ? text : `${text}\n`);
    if (this.io.isTTY && this.state) {
      this.io.out(liveLine(this.state, this.io.columns));
      this.drawn = true;
    } else {
      this.drawn = false;
    }
  }

  /** Leaves the live line in place (on a terminal) and moves below it. */
  finish(): void {
    if (this.io.isTTY && this.drawn) {
      if (this.state) this.io.out(`\r\x1b[2K${liveLine(this.state, this.io.columns)}`);
      this.io.out('\n');
    }
    this.drawn = false;
  }
}
