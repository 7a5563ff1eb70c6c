// The message of a failed read of a wasm file in Node, Deno and Bun (src/platform/node.ts): Deno's
// refused permission is named as such, with the flag that grants it; any other failure keeps the
// error code and the entry's hint. (deno-bun.test.ts checks the same message from a real Deno.)
import { describe, expect, it } from 'vitest';
import { isDenoPermissionError, readFailureMessage } from '../../src/platform/node.ts';

/** An error as a runtime throws it: a name and, for Node's file system, a code. */
function failure(name: string, code?: string): Error {
  const error = new Error('read failed');
  error.name = name;
  return code === undefined ? error : Object.assign(error, { code });
}

const HINT = '; copy the .wasm files beside the bundle';

describe('a failed read of a wasm file', () => {
  it.each(['NotCapable', 'PermissionDenied'])(
    "Deno's %s is a refused permission, and the message says --allow-read",
    (name) => {
      expect(isDenoPermissionError(failure(name))).toBe(true);
      const message = readFailureMessage('/app/strand-simd.wasm', failure(name), HINT);
      expect(message).toBe(
        'strand: cannot read /app/strand-simd.wasm: Deno was not given read access; run deno with --allow-read (or use strand/inline)',
      );
    },
  );

  it("Node's errors keep their code and the entry's hint (EACCES is the file system's, not Deno's)", () => {
    for (const code of ['ENOENT', 'EACCES']) {
      const error = failure('Error', code);
      expect(isDenoPermissionError(error)).toBe(false);
      expect(readFailureMessage('/app/strand-simd.wasm', error, HINT)).toBe(
        `strand: cannot read /app/strand-simd.wasm (${code})${HINT}`,
      );
    }
  });

  it('a thrown non-error still gives a message', () => {
    expect(isDenoPermissionError(undefined)).toBe(false);
    expect(readFailureMessage('/x.wasm', 'boom', '')).toBe('strand: cannot read /x.wasm');
  });
});
