/**
 * Hints for unknown options that a near-miss spelling cannot give: an option put at the wrong level
 * (`{ lr }` beside the optimizer instead of in it) or spelled as in another library (`betas`). The
 * message has the shape of {@link checkOptions}' own, with the hint in place of its near-miss name.
 */
import type { Schema } from '../util/options.ts';

/**
 * Throws a `TypeError` for the first key of `options` that `schema` lacks and `hints` names: the
 * hint says what the user most likely meant (`did you mean optimizer: { lr }?`). Other keys are left to
 * {@link checkOptions}, which the caller runs next.
 */
export function refuseHinted(
  options: unknown,
  schema: Schema,
  hints: Readonly<Record<string, string>>,
  where: string,
  path: string,
): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return;
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(schema, key) || !Object.hasOwn(hints, key)) continue;
    throw new TypeError(
      `${where}: unknown option ${path}.${key} (${hints[key]}); valid options: ${Object.keys(schema).join(', ')}`,
    );
  }
}
