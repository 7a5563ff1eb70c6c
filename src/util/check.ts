/**
 * Argument checks shared by every public entry point: each throws strand's own message, naming the
 * argument, what was expected and what arrived. Pure functions with no imports, the lowest layer.
 */

/**
 * A short description of any value for error messages: `null`, `undefined`, a number or boolean as
 * written, a string quoted (cut at 40 characters), `Float32Array(12)`, `Array(3)`, `a Map`, `an object`.
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (ArrayBuffer.isView(value)) {
    const size = 'length' in value ? (value as unknown as ArrayLike<number>).length : value.byteLength;
    return `${value.constructor.name}(${size})`;
  }
  if (Array.isArray(value)) return `Array(${value.length})`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object' || typeof value === 'function') {
    const name = (value as object).constructor?.name;
    if (typeof value === 'function') return 'a function';
    if (!name || name === 'Object') return 'an object';
    return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
  }
  return `${typeof value} ${String(value)}`;
}

/** Checks a positive integer option; returns it. */
export function positiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new RangeError(`${what} must be a positive integer, received ${describe(v)}`);
  }
  return v;
}

/** Checks a boolean option; returns it. */
export function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw new TypeError(`${what} must be true or false, received ${describe(v)}`);
  return v;
}

/** Checks that `a` is an array of `n` values (their finiteness is left to the caller). */
export function checkArrayShape(a: ArrayLike<number>, n: number, what: string, expected: string): void {
  if (a === null || typeof a !== 'object' || typeof a.length !== 'number') {
    throw new TypeError(`${what} must be a Float32Array of ${expected} = ${n} values, received ${describe(a)}`);
  }
  if (a.length !== n) throw new RangeError(`${what} must have ${expected} = ${n} values, received ${a.length}`);
}

/** Checks that `a` is an array of `n` finite numbers. */
export function checkArray(a: ArrayLike<number>, n: number, what: string, expected: string): void {
  checkArrayShape(a, n, what, expected);
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (!Number.isFinite(Math.fround(v)))
      throw new RangeError(`${what} must be finite (as float32), received ${v} at index ${i}`);
  }
}
