/**
 * The error every loader throws for a file it refuses: {@link FormatError}, which names the part
 * of the file, the byte offset or header field, what was expected and what was found.
 */

/** The parts of a checkpoint file (see container.ts for the layout). */
export type FilePart = 'file' | 'magic' | 'version' | 'header size' | 'header' | 'tensors' | 'checksum';

/** Where a {@link FormatError} is in the file, and what was expected there. */
export interface FormatErrorDetails {
  /** The part of the file. */
  part: FilePart;
  /** The byte offset of the problem, when it is at one place. */
  offset?: number;
  /** The header field, as a path such as `model.layers[1].hiddenSize`, when it is one field (then the message names the field, not the offset). */
  field?: string;
  /** What the loader expected. */
  expected: string;
  /** What the file holds. */
  found: string;
}

/**
 * A file that is not a valid strand checkpoint: damaged, truncated, foreign, or describing a model
 * its tensors do not fit. The message reads `<where>: <problem> (<part and place>: expected …,
 * found …)`; the same facts are in the fields, for programs.
 */
export class FormatError extends Error {
  /** Always `'FormatError'`, so the error can be told apart without `instanceof`. */
  override readonly name = 'FormatError';
  /** The part of the file. */
  readonly part: FilePart;
  /** The byte offset of the problem, when it is at one place. */
  readonly offset: number | undefined;
  /** The header field, when the problem is one field. */
  readonly field: string | undefined;
  /** What the loader expected. */
  readonly expected: string;
  /** What the file holds. */
  readonly found: string;

  /**
   * @param where the loader, e.g. `'SequenceModel.load'`
   * @param problem what is wrong, in a few words (`'the checkpoint is truncated'`)
   * @param details the part, place, expectation and finding
   */
  constructor(where: string, problem: string, details: FormatErrorDetails) {
    super(`${where}: ${problem} (${locate(details)}: expected ${details.expected}, found ${details.found})`);
    this.part = details.part;
    this.offset = details.offset;
    this.field = details.field;
    this.expected = details.expected;
    this.found = details.found;
  }
}

/** `header field model.layers[1].hiddenSize`, `version at byte 4`, `file`. */
function locate(d: FormatErrorDetails): string {
  if (d.field !== undefined) return `${d.part} field ${d.field}`;
  return d.offset !== undefined ? `${d.part} at byte ${d.offset}` : d.part;
}
