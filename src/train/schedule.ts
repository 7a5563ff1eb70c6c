import { describe } from '../util/check.ts';
import { checkOptions, checkValue, int, num, oneOf, type Schema } from '../util/options.ts';

/**
 * A learning-rate schedule, as a multiple of the optimizer's base rate by update count
 * (PyTorch's StepLR, ExponentialLR, CosineAnnealingLR, plus linear warm-up in front of any).
 *
 * With `warmup` = W > 0, update n (0-based, counted over the optimizer's life) runs at
 * (n + 1) / W of the scheduled rate while n < W; the schedule's own count s = max(0, n − W) starts
 * after the warm-up, so s stays 0 during it.
 */
export type Schedule =
  | {
      /** The base rate at every update (after the warm-up). */
      type: 'constant';
      /** Updates of linear warm-up in front of the schedule (an integer ≥ 0); default 0. */
      warmup?: number;
    }
  | {
      /** Step decay: the base rate times gamma^⌊s / stepSize⌋. */
      type: 'step';
      /** Updates between two decays (an integer ≥ 1). */
      stepSize: number;
      /** Factor applied at every decay (> 0); default 0.1. */
      gamma?: number;
      /** Updates of linear warm-up in front of the schedule (an integer ≥ 0); default 0. */
      warmup?: number;
    }
  | {
      /** Exponential decay: the base rate times gamma^s. */
      type: 'exponential';
      /** Factor applied per update (> 0; below 1 to decay). */
      gamma: number;
      /** Updates of linear warm-up in front of the schedule (an integer ≥ 0); default 0. */
      warmup?: number;
    }
  | {
      /**
       * Cosine annealing: the base rate times
       * minFactor + (1 − minFactor)·(1 + cos(π·min(s, total) / total)) / 2,
       * which falls from 1 to minFactor over `total` updates and then stays there.
       */
      type: 'cosine';
      /** Updates over which the rate anneals (an integer ≥ 1). */
      total: number;
      /** The final multiple of the base rate, in [0, 1]; default 0. */
      minFactor?: number;
      /** Updates of linear warm-up in front of the schedule (an integer ≥ 0); default 0. */
      warmup?: number;
    };

/** The learning rate for update number `step` (0-based) of a run with base rate `base`. */
export function scheduledLr(schedule: Schedule | undefined, base: number, step: number): number {
  if (schedule === undefined) return base;
  const warm = schedule.warmup ?? 0;
  const warmFactor = warm > 0 && step < warm ? (step + 1) / warm : 1;
  const s = Math.max(0, step - warm);
  switch (schedule.type) {
    case 'constant':
      return base * warmFactor;
    case 'step':
      return base * warmFactor * (schedule.gamma ?? 0.1) ** Math.floor(s / schedule.stepSize);
    case 'exponential':
      return base * warmFactor * schedule.gamma ** s;
    case 'cosine': {
      const min = schedule.minFactor ?? 0;
      const t = Math.min(s, schedule.total) / schedule.total;
      return base * warmFactor * (min + (1 - min) * 0.5 * (1 + Math.cos(Math.PI * t)));
    }
  }
}

const type = oneOf('constant', 'step', 'exponential', 'cosine');
const warmup = int({ min: 0 });
/** A decay factor: finite and > 0. */
const gamma = num({ min: 0, exclusiveMin: true });

/** The options of each schedule type, and the ones it cannot do without. */
const SCHEMAS: Readonly<Record<Schedule['type'], { schema: Schema; required: readonly string[] }>> = {
  constant: { schema: { type, warmup }, required: [] },
  step: { schema: { type, stepSize: int({ min: 1 }), gamma, warmup }, required: ['stepSize'] },
  exponential: { schema: { type, gamma, warmup }, required: ['gamma'] },
  cosine: { schema: { type, total: int({ min: 1 }), minFactor: num({ min: 0, max: 1 }), warmup }, required: ['total'] },
};

/**
 * Throws strand's `TypeError` / `RangeError` naming `where` and `path` unless `s` is a valid
 * {@link Schedule}: a known type with its own options only, update counts as integers, factors
 * finite and > 0, `minFactor` in [0, 1].
 */
export function checkSchedule(s: unknown, where: string, path: string): void {
  if (s === null || typeof s !== 'object' || Array.isArray(s))
    throw new TypeError(
      `${where}: ${path} must be an object like { type: 'cosine', total: 1000 }, received ${describe(s)}`,
    );
  const t = (s as { type?: unknown }).type;
  checkValue(t, type, where, `${path}.type`);
  const { schema, required } = SCHEMAS[t as Schedule['type']];
  checkOptions(s, schema, where, path);
  for (const key of required) {
    const v = (s as Record<string, unknown>)[key];
    if (v === undefined) throw new TypeError(`${where}: ${path}.${key} is required for a '${t}' schedule`);
  }
}
