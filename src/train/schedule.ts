import { describe } from '../util/check.ts';

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
      /** Updates between two decays (> 0). */
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
      /** Updates over which the rate anneals (> 0). */
      total: number;
      /** The final multiple of the base rate; default 0. */
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

/** Throws a clear error unless `s` is a valid {@link Schedule}. */
export function validateSchedule(s: Schedule): void {
  const pos = (v: unknown, name: string) => {
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
      throw new RangeError(`schedule.${name} must be a positive number, received ${describe(v)}`);
  };
  if (s === null || typeof s !== 'object')
    throw new TypeError(`schedule must be an object like { type: 'cosine', total: 1000 }, received ${describe(s)}`);
  if (s.warmup !== undefined && !(Number.isInteger(s.warmup) && s.warmup >= 0))
    throw new RangeError(`schedule.warmup must be a non-negative integer, received ${describe(s.warmup)}`);
  switch (s.type) {
    case 'constant':
      return;
    case 'step':
      pos(s.stepSize, 'stepSize');
      if (s.gamma !== undefined) pos(s.gamma, 'gamma');
      return;
    case 'exponential':
      pos(s.gamma, 'gamma');
      return;
    case 'cosine':
      pos(s.total, 'total');
      return;
    default:
      throw new TypeError(
        `schedule.type must be 'constant', 'step', 'exponential' or 'cosine', received ${JSON.stringify((s as { type: unknown }).type)}`,
      );
  }
}
