/**
 * Checks of a checkpoint header's JSON fields, each failing with a {@link FormatError} that names the
 * field by its path (`model.layers[1].hiddenSize`), what it must be and what the file holds. Values
 * are checked with the same specs as options (see util/options.ts).
 */
import { describe } from '../util/check.ts';
import { closest } from '../util/closest.ts';
import { checkValue, type Spec } from '../util/options.ts';
import { FormatError } from './format-error.ts';

/** A FormatError about one header field. */
export function fieldError(
  where: string,
  problem: string,
  field: string,
  expected: string,
  found: string,
): FormatError {
  return new FormatError(where, problem, { part: 'header', field, expected, found });
}

/**
 * Checks one header field against an option spec.
 * @param problem what the file is, when the field does not fit (`"the checkpoint's model is invalid"`)
 */
export function checkField(value: unknown, spec: Spec, field: string, where: string, problem: string): void {
  try {
    checkValue(value, spec, where, field);
  } catch (error) {
    // checkValue says `<where>: <field> must be <expected>, received <found>`: keep the expectation
    const message = (error as Error).message;
    const head = `${where}: ${field} must be `;
    const tail = `, received ${describe(value)}`;
    const expected =
      message.startsWith(head) && message.endsWith(tail) ? message.slice(head.length, -tail.length) : message;
    throw fieldError(where, problem, field, expected, describe(value));
  }
}

/** Checks that a header field is a JSON object (not null, not an array); returns it. */
export function checkObject(value: unknown, field: string, where: string, problem: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw fieldError(where, problem, field, 'an object', describe(value));
  return value as Record<string, unknown>;
}

/** Checks that a header object has no fields but `allowed` (naming the nearest for a misspelt one). */
export function checkKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  field: string,
  where: string,
  problem: string,
): void {
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const near = key.length <= 64 ? closest(key, allowed) : '';
    throw fieldError(
      where,
      problem,
      `${field}.${key.length > 40 ? `${key.slice(0, 40)}…` : key}`,
      `only the fields ${allowed.join(', ')}`,
      `an unknown field${near ? ` (did you mean '${near}'?)` : ''}`,
    );
  }
}
