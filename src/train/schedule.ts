import { describe } from '../util/check.ts';

/**
 * A learning-rate schedule, as a multiple of the optimizer's base rate by update count
 * (PyTorch's StepLR, ExponentialLR, CosineAnnealingLR, plus linear warm-up in front of any).
 */
export type Schedule =
  | { type: 'constant'; warmup?: number }
  | { type: 'step'; stepSize: number; gamma?: number; warmup?: number }
  | { type: 'exponential'; gamma: number; warmup?: number }
  | { type: 'cosine'; total: number; minFactor?: number; warmup?: number };

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
