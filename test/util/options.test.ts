// The options validator every public entry point uses, and describe(): each kind of misfit gives
// its own error type and a message naming the entry point, the option path, what was expected and
// what arrived.
import { describe as suite, expect, it } from 'vitest';
import { describe } from '../../src/util/check.ts';
import { bool, checkOptions, custom, int, num, obj, oneOf, str, type Schema } from '../../src/util/options.ts';

const schema: Schema = {
  lr: num({ min: 0, exclusiveMin: true, float32: true }),
  steps: int({ min: 1, max: 10 }),
  nesterov: bool(),
  reduction: oneOf('mean', 'sum'),
  name: str({ nonEmpty: true }),
  clip: obj({ norm: num({ min: 0, exclusiveMin: true }), value: num({ min: 0, exclusiveMin: true }) }),
  onStep: custom('a function', (v) => typeof v === 'function'),
};

const check = (options: unknown) => () => checkOptions(options, schema, 'Thing.run');

suite('checkOptions', () => {
  it('accepts every valid option, and undefined values as absent', () => {
    expect(check({})).not.toThrow();
    expect(
      check({
        lr: 0.1,
        steps: 10,
        nesterov: false,
        reduction: 'sum',
        name: 'x',
        clip: { norm: 1 },
        onStep: () => {},
      }),
    ).not.toThrow();
    expect(check({ lr: undefined, clip: { norm: undefined } })).not.toThrow();
    // an unknown key is a typo even when its value is undefined
    expect(check({ value: undefined })).toThrow(/unknown option options\.value/);
  });

  it.each([
    [null, TypeError, /^Thing\.run: options must be an object, received null$/],
    [[1], TypeError, /options must be an object, received Array\(1\)/],
    ['lr', TypeError, /options must be an object, received "lr"/],
    [{ temprature: 1 }, TypeError, /unknown option options\.temprature; valid options: lr, steps, nesterov/],
    [{ lrr: 1 }, TypeError, /unknown option options\.lrr \(did you mean 'lr'\?\)/],
    [{ setps: 1 }, TypeError, /did you mean 'steps'\?/],
    [{ lr: '0.1' }, TypeError, /options\.lr must be a finite number > 0, received "0\.1"/],
    [{ lr: 0 }, RangeError, /options\.lr must be a finite number > 0, received 0$/],
    [{ lr: Number.NaN }, RangeError, /options\.lr must be a finite number > 0, received NaN/],
    [{ lr: Number.POSITIVE_INFINITY }, RangeError, /received Infinity/],
    [{ lr: 1e39 }, RangeError, /options\.lr must be a finite number > 0, finite as float32, received 1e\+39/],
    [{ steps: 1.5 }, RangeError, /options\.steps must be an integer ≥ 1 and ≤ 10, received 1\.5/],
    [{ steps: 11 }, RangeError, /options\.steps must be an integer ≥ 1 and ≤ 10, received 11/],
    [{ steps: 0 }, RangeError, /received 0/],
    [{ nesterov: 'no' }, TypeError, /options\.nesterov must be true or false, received "no"/],
    [{ nesterov: 0 }, TypeError, /must be true or false, received 0/],
    [{ reduction: 'avg' }, TypeError, /options\.reduction must be 'mean' or 'sum', received "avg"/],
    [{ name: 3 }, TypeError, /options\.name must be a non-empty string, received 3/],
    [{ name: '' }, RangeError, /options\.name must be a non-empty string, received ""/],
    [{ clip: 5 }, TypeError, /options\.clip must be an object, received 5/],
    [{ clip: { max_norm: 1 } }, TypeError, /unknown option options\.clip\.max_norm; valid options: norm, value/],
    [{ clip: { nrom: 1 } }, TypeError, /unknown option options\.clip\.nrom \(did you mean 'norm'\?\)/],
    [{ clip: { norm: -1 } }, RangeError, /options\.clip\.norm must be a finite number > 0, received -1/],
    [{ onStep: 'log' }, TypeError, /options\.onStep must be a function, received "log"/],
  ])('rejects %j', (options, type, message) => {
    expect(check(options)).toThrow(type);
    expect(check(options)).toThrow(message);
  });

  it('never changes the object it checks', () => {
    const options = { lr: 0.5, clip: { norm: 2 } };
    const before = JSON.stringify(options);
    checkOptions(options, schema, 'Thing.run');
    expect(JSON.stringify(options)).toBe(before);
  });

  it('shows at most 40 characters of an unknown key', () => {
    const key = 'k'.repeat(1_000_000);
    expect(() => checkOptions({ [key]: 1 }, {}, 'f')).toThrow(
      `f: unknown option options.${'k'.repeat(40)}…; it takes no options`,
    );
  });

  it('names the argument it checks', () => {
    expect(() => checkOptions({ x: 1 }, {}, 'f', 'config')).toThrow(
      /^f: unknown option config\.x; it takes no options$/,
    );
  });
});

suite('describe', () => {
  it.each([
    [null, 'null'],
    [undefined, 'undefined'],
    [3, '3'],
    [true, 'true'],
    ['abc', '"abc"'],
    ['x'.repeat(50), `"${'x'.repeat(40)}…"`],
    [new Float32Array(12), 'Float32Array(12)'],
    [new DataView(new ArrayBuffer(8)), 'DataView(8)'],
    [[1, 2, 3], 'Array(3)'],
    [{}, 'an object'],
    [new Map(), 'a Map'],
    [() => 1, 'a function'],
  ])('describes %s as %s', (value, text) => {
    expect(describe(value)).toBe(text);
  });
});
