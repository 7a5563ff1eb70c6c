/**
 * The one error every interop reader throws for a file it refuses: it names the format, the place
 * (a byte offset, or a field such as `graph.node[3].attribute.hidden_size`), what was expected and
 * what the file holds.
 */

/** The formats strand reads and writes besides its own checkpoint. */
export type InteropFormat = 'safetensors' | 'pytorch' | 'onnx' | 'tfjs' | 'state dict';

/** Where an {@link InteropError} is in the file, and what was expected there. */
export interface InteropErrorDetails {
  /** The byte offset of the problem, when it is at one place. */
  offset?: number;
  /** The field, tensor or entry the problem is in, as a path (`lstm.weight_ih_l0`, `graph.node[2]`). */
  field?: string;
  /** What the reader expected. */
  expected: string;
  /** What the file holds. */
  found: string;
}

/**
 * A file in a foreign format (safetensors, PyTorch, ONNX, TF.js Layers) or a state dict that strand
 * refuses: damaged, truncated, hostile, or describing something strand cannot express. The message
 * reads `<format>: <problem> (<place>: expected …, found …)`; the same facts are in the fields.
 */
export class InteropError extends Error {
  /** Always `'InteropError'`, so the error can be told apart without `instanceof`. */
  override readonly name = 'InteropError';
  /** The format being read or written. */
  readonly format: InteropFormat;
  /** The byte offset of the problem, when it is at one place. */
  readonly offset: number | undefined;
  /** The field, tensor or entry of the problem, when it is one. */
  readonly field: string | undefined;
  /** What the reader expected. */
  readonly expected: string;
  /** What the file holds. */
  readonly found: string;

  /**
   * @param format the format being read or written
   * @param problem what is wrong, in a few words (`'the header is truncated'`)
   * @param details the place, the expectation and the finding
   */
  constructor(format: InteropFormat, problem: string, details: InteropErrorDetails) {
    super(`${format}: ${problem} (${place(details)}expected ${details.expected}, found ${details.found})`);
    this.format = format;
    this.offset = details.offset;
    this.field = details.field;
    this.expected = details.expected;
    this.found = details.found;
  }
}

/** `field lstm.weight_ih_l0: `, `byte 8: `, or nothing. */
function place(d: InteropErrorDetails): string {
  if (d.field !== undefined) return `field ${d.field}: `;
  return d.offset !== undefined ? `byte ${d.offset}: ` : '';
}

/**
 * @internal The InteropError every reader throws: `at` is the field (a string) or the byte offset
 * (a number); `found` is shown as a string.
 */
export const fail = (
  format: InteropFormat,
  problem: string,
  at: string | number | undefined,
  expected: string,
  found: unknown,
): InteropError =>
  new InteropError(format, problem, {
    [typeof at === 'number' ? 'offset' : 'field']: at,
    expected,
    found: `${found}`,
  } as InteropErrorDetails);
