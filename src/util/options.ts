/**
 * The one validation layer for options objects at the public boundary. Each entry point declares
 * the schema of its options once; {@link checkOptions} then rejects what does not fit, with
 * strand's own message naming the entry point, the option, what was expected and what arrived:
 *
 * - unknown keys (with the nearest valid name: `did you mean 'temperature'?`, and the list of valid ones),
 * - wrong types, strictly (`bias: 'no'` is not a boolean),
 * - numbers that are not finite — also as float32, where the value reaches the kernels — or out of range,
 * - nested option objects, checked the same way under their dotted path (`clip.norm`).
 *
 * A key whose value is `undefined` counts as absent. The checks never change the object.
 */
import { describe } from './check.ts';
import { closest } from './closest.ts';

/** A finite number, optionally an integer, within bounds. */
export interface NumberSpec {
  kind: 'number';
  /** Must be an integer. */
  integer?: boolean;
  /** Lower bound (inclusive unless `exclusiveMin`). */
  min?: number;
  /** Whether the lower bound is excluded. */
  exclusiveMin?: boolean;
  /** Upper bound (inclusive unless `exclusiveMax`). */
  max?: number;
  /** Whether the upper bound is excluded. */
  exclusiveMax?: boolean;
  /** Must also be finite once rounded to float32 (|x| < 3.4e38): for values the kernels read as f32. */
  float32?: boolean;
}

/** true or false. */
export interface BooleanSpec {
  kind: 'boolean';
}

/** One of a fixed set of values. */
export interface OneOfSpec {
  kind: 'oneOf';
  /** The allowed values. */
  values: readonly (string | number | boolean | null)[];
}

/** A string (optionally non-empty). */
export interface StringSpec {
  kind: 'string';
  /** Must not be empty. */
  nonEmpty?: boolean;
}

/** A nested options object with its own schema. */
export interface ObjectSpec {
  kind: 'object';
  /** The nested object's schema. */
  fields: Schema;
}

/** A value checked by the caller (arrays, typed arrays, callbacks, backends, signals): only its presence is allowed. */
export interface CustomSpec {
  kind: 'custom';
  /** What the value should be, for the caller's own messages and for documentation. */
  expected: string;
  /** Returns whether the value fits; when given, a misfit is reported as `must be <expected>`. */
  test?: (value: unknown) => boolean;
}

/** What one option may be. */
export type Spec = NumberSpec | BooleanSpec | OneOfSpec | StringSpec | ObjectSpec | CustomSpec;

/** The options an entry point accepts, by name. */
export type Schema = Readonly<Record<string, Spec>>;

/** A finite number (see {@link NumberSpec}); `options` add bounds. */
export function num(options: Omit<NumberSpec, 'kind'> = {}): NumberSpec {
  return { kind: 'number', ...options };
}

/** An integer (see {@link NumberSpec}); `options` add bounds. */
export function int(options: Omit<NumberSpec, 'kind' | 'integer'> = {}): NumberSpec {
  return { kind: 'number', integer: true, ...options };
}

/** true or false. */
export function bool(): BooleanSpec {
  return { kind: 'boolean' };
}

/** One of `values`. */
export function oneOf(...values: (string | number | boolean | null)[]): OneOfSpec {
  return { kind: 'oneOf', values };
}

/** A string. */
export function str(options: Omit<StringSpec, 'kind'> = {}): StringSpec {
  return { kind: 'string', ...options };
}

/** A nested options object. */
export function obj(fields: Schema): ObjectSpec {
  return { kind: 'object', fields };
}

/** A value the caller checks itself (or with `test`). */
export function custom(expected: string, test?: (value: unknown) => boolean): CustomSpec {
  return { kind: 'custom', expected, test };
}

/**
 * Checks an options object against its schema; throws a `TypeError` (unknown key, wrong type) or
 * `RangeError` (out of range, not finite) naming `where` and the option's path.
 * @param options the user's value (absent: pass `{}`)
 * @param path the name of the options argument in messages (default `'options'`)
 */
export function checkOptions(options: unknown, schema: Schema, where: string, path = 'options'): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${where}: ${path} must be an object, received ${describe(options)}`);
  }
  const names = Object.keys(schema);
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(schema, key)) {
      const near = closest(key, names);
      const hint = near ? ` (did you mean '${near}'?)` : '';
      const valid = names.length > 0 ? `; valid options: ${names.join(', ')}` : '; it takes no options';
      // a hostile file's key can be megabytes long: the message shows its first 40 characters
      const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
      throw new TypeError(`${where}: unknown option ${path}.${shown}${hint}${valid}`);
    }
  }
  for (const key of names) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) checkValue(value, schema[key], where, `${path}.${key}`);
  }
}

/** Checks one value against its spec (see {@link checkOptions}). */
export function checkValue(value: unknown, spec: Spec, where: string, path: string): void {
  const fail = (expected: string, range = false): never => {
    const message = `${where}: ${path} must be ${expected}, received ${describe(value)}`;
    throw range ? new RangeError(message) : new TypeError(message);
  };
  switch (spec.kind) {
    case 'number': {
      const expected = describeNumber(spec);
      if (typeof value !== 'number') {
        fail(expected);
        return;
      }
      if (!Number.isFinite(value)) fail(expected, true);
      if (spec.float32 && !Number.isFinite(Math.fround(value))) fail(`${expected}, finite as float32`, true);
      if (spec.integer && !Number.isInteger(value)) fail(expected, true);
      if (spec.min !== undefined && (spec.exclusiveMin ? value <= spec.min : value < spec.min)) fail(expected, true);
      if (spec.max !== undefined && (spec.exclusiveMax ? value >= spec.max : value > spec.max)) fail(expected, true);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') fail('true or false');
      return;
    case 'oneOf':
      if (!spec.values.includes(value as string)) fail(listOf(spec.values));
      return;
    case 'string':
      if (typeof value !== 'string') fail(spec.nonEmpty ? 'a non-empty string' : 'a string');
      if (spec.nonEmpty && value === '') fail('a non-empty string', true);
      return;
    case 'object':
      checkOptions(value, spec.fields, where, path);
      return;
    case 'custom':
      if (spec.test && !spec.test(value)) fail(spec.expected);
      return;
  }
}

/** `a finite number > 0`, `an integer ≥ 1 and ≤ 16`, … */
function describeNumber(spec: NumberSpec): string {
  const base = spec.integer ? 'an integer' : 'a finite number';
  const lo = spec.min !== undefined ? `${spec.exclusiveMin ? '>' : '≥'} ${spec.min}` : '';
  const hi = spec.max !== undefined ? `${spec.exclusiveMax ? '<' : '≤'} ${spec.max}` : '';
  const bounds = [lo, hi].filter(Boolean).join(' and ');
  return bounds ? `${base} ${bounds}` : base;
}

/** `'a', 'b' or 'c'` */
function listOf(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v)));
  return shown.length === 1 ? shown[0] : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}
