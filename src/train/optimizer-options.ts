/**
 * The optimizer settings: their type, one schema per optimizer type (declared once, checked by
 * {@link checkOptions}), PyTorch's defaults, and the check that turns a user's object into the
 * complete settings an {@link Optimizer} runs with. Every number reaches the kernels as float32, so
 * each must also be finite (and, where it divides, non-zero) as float32.
 */
import { describe } from '../util/check.ts';
import { bool, checkOptions, checkValue, num, oneOf, type Schema } from '../util/options.ts';
import { refuseHinted } from './option-hints.ts';

/**
 * Optimizer settings, with PyTorch's names, definitions and defaults. Every number must be finite
 * (as float32) and ≥ 0; `eps` > 0; Adam's betas and RMSprop's alpha are decay rates below 1.
 * `lr` is the base learning rate: a {@link Schedule} multiplies it per update. Weight decay is an
 * L2 penalty added to the gradient (g + weightDecay·p), except in AdamW, where it is decoupled (p
 * shrinks by lr·weightDecay·p before the Adam step).
 */
export type OptimizerOptions =
  | {
      /** Stochastic gradient descent (PyTorch's `SGD`). */
      type: 'sgd';
      /** Base learning rate; required (as in PyTorch). */
      lr: number;
      /** Momentum factor; default 0 (plain SGD, no momentum buffer). */
      momentum?: number;
      /** Dampening of the momentum: the new gradient enters the buffer scaled by (1 − dampening); default 0. */
      dampening?: number;
      /** Nesterov momentum; default false. Needs momentum > 0 and dampening 0. */
      nesterov?: boolean;
      /** L2 penalty factor; default 0. */
      weightDecay?: number;
    }
  | {
      /** Adagrad: each parameter's step is divided by the root of its summed squared gradients. */
      type: 'adagrad';
      /** Base learning rate; default 0.01. */
      lr?: number;
      /** Learning-rate decay: update n uses lr / (1 + (n − 1)·lrDecay); default 0. */
      lrDecay?: number;
      /** Added to the denominator for numerical stability (> 0); default 1e-10. */
      eps?: number;
      /** L2 penalty factor; default 0. */
      weightDecay?: number;
    }
  | {
      /** RMSprop: each parameter's step is divided by the root of a running mean of squared gradients. */
      type: 'rmsprop';
      /** Base learning rate; default 0.01. */
      lr?: number;
      /** Smoothing constant of the running mean of squared gradients, in [0, 1]; default 0.99. */
      alpha?: number;
      /** Added to the denominator for numerical stability (> 0); default 1e-8. */
      eps?: number;
      /** Momentum factor applied to the normalised step; default 0 (none). */
      momentum?: number;
      /** L2 penalty factor; default 0. */
      weightDecay?: number;
    }
  | {
      /** Adam, or AdamW (decoupled weight decay), with bias correction. */
      type: 'adam' | 'adamw';
      /** Base learning rate; default 1e-3. */
      lr?: number;
      /** Decay rate of the first-moment (mean) estimate, in [0, 1); default 0.9. */
      beta1?: number;
      /** Decay rate of the second-moment (uncentred variance) estimate, in [0, 1); default 0.999. */
      beta2?: number;
      /** Added to the denominator for numerical stability (> 0); default 1e-8. */
      eps?: number;
      /** Weight decay factor: L2 for `'adam'` (default 0), decoupled for `'adamw'` (default 0.01). */
      weightDecay?: number;
    };

/** The optimizer types. */
export type OptimizerType = OptimizerOptions['type'];

/** Complete settings: every option of the type, defaults filled in. */
export type OptimizerSettings = { type: OptimizerType } & Record<string, number | boolean | string>;

const TYPES: readonly OptimizerType[] = ['sgd', 'adagrad', 'rmsprop', 'adam', 'adamw'];
const type = oneOf(...TYPES);
/** A learning rate: finite as float32 and ≥ 0 (0 leaves the weights where they are, e.g. to read gradients). */
const lr = num({ min: 0, float32: true });
const factor = num({ min: 0, float32: true });
/** A denominator term: > 0 (checked as float32 too, by {@link checkSettings}). */
const eps = num({ min: 0, exclusiveMin: true, float32: true });
/** A decay rate below 1 (checked as float32 too: 0.9999999999 is 1 in float32). */
const beta = num({ min: 0, max: 1, exclusiveMax: true, float32: true });

/** The options each optimizer type takes. */
const SCHEMAS: Readonly<Record<OptimizerType, Schema>> = {
  sgd: { type, lr, momentum: factor, dampening: factor, nesterov: bool(), weightDecay: factor },
  adagrad: { type, lr, lrDecay: factor, eps, weightDecay: factor },
  rmsprop: { type, lr, alpha: num({ min: 0, max: 1, float32: true }), eps, momentum: factor, weightDecay: factor },
  adam: { type, lr, beta1: beta, beta2: beta, eps, weightDecay: factor },
  adamw: { type, lr, beta1: beta, beta2: beta, eps, weightDecay: factor },
};

/** PyTorch's defaults (SGD's lr has none: it is required). */
const DEFAULTS: Readonly<Record<OptimizerType, Readonly<Record<string, number | boolean>>>> = {
  sgd: { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
  adagrad: { lr: 0.01, lrDecay: 0, eps: 1e-10, weightDecay: 0 },
  rmsprop: { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0, weightDecay: 0 },
  adam: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
  adamw: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
};

/** A name from another library that a near-miss spelling would not turn into the right one. */
const HINTS: Readonly<Record<string, string>> = { betas: 'did you mean beta1 and beta2?' };

/**
 * Checks optimizer options against the schema of their type and returns the complete settings
 * (defaults filled in). Throws strand's `TypeError` / `RangeError` naming `where` and `path`.
 */
export function optimizerSettings(options: unknown, where: string, path: string): OptimizerSettings {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(
      `${where}: ${path} must be an object like { type: 'adam', lr: 2e-3 }, received ${describe(options)}`,
    );
  const t = (options as { type?: unknown }).type;
  checkValue(t, type, where, `${path}.type`);
  const kind = t as OptimizerType;
  refuseHinted(options, SCHEMAS[kind], HINTS, where, path);
  checkOptions(options, SCHEMAS[kind], where, path);
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const settings = { ...DEFAULTS[kind], ...given, type: kind } as OptimizerSettings;
  checkSettings(settings, where, path);
  return settings;
}

/** The cross-option and float32 rules a schema cannot state. */
function checkSettings(s: OptimizerSettings, where: string, path: string): void {
  if (s.lr === undefined) throw new TypeError(`${where}: ${path}.lr is required for sgd (as in PyTorch)`);
  if (s.type === 'sgd' && s.nesterov && !((s.momentum as number) > 0 && s.dampening === 0))
    throw new RangeError(
      `${where}: ${path}.nesterov needs momentum > 0 and dampening 0, received momentum ${s.momentum} and dampening ${s.dampening}`,
    );
  if (s.eps !== undefined && Math.fround(s.eps as number) === 0)
    throw new RangeError(`${where}: ${path}.eps must be > 0 as float32, received ${s.eps} (0 in float32)`);
  for (const k of ['beta1', 'beta2'] as const) {
    if (s[k] !== undefined && Math.fround(s[k] as number) >= 1)
      throw new RangeError(`${where}: ${path}.${k} must be < 1 as float32, received ${s[k]} (1 in float32)`);
  }
}
