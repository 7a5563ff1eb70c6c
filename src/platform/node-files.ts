// Node-only file helpers for the command line: clear, flag-naming errors instead of stack traces,
// and atomic writes so that an interrupted save never leaves a half-written model behind.
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A file could not be read or written; the message names the file (and the flag that gave it). */
export class FileError extends Error {
  override readonly name = 'FileError';
}

/** Why a file operation failed, in words (from a Node error code). */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'the file system is read-only';
    default:
      return (error as Error)?.message ?? String(error);
  }
}

/** How a path is named in messages: `--text 'corpus.txt'` or just `'corpus.txt'`. */
function named(path: string, what?: string): string {
  return what ? `${what} '${path}'` : `'${path}'`;
}

/**
 * Reads a whole file as bytes.
 * @param path the file
 * @param what how to name it in errors, e.g. `'--model'`
 */
export function readBytes(path: string, what?: string): Uint8Array {
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    const buffer = readFileSync(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw new FileError(`cannot read ${named(path, what)}: ${reason(error)}`);
  }
}

/**
 * Reads a whole file as UTF-8 text (a byte-order mark is dropped).
 * @param path the file
 * @param what how to name it in errors, e.g. `'--text'`
 */
export function readText(path: string, what?: string): string {
  const bytes = readBytes(path, what);
  const text = new TextDecoder('utf-8').decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Throws a {@link FileError} unless `path` could be written: its directory exists and `path`
 * is not itself a directory. Checked before long work (training) starts.
 */
export function checkWritable(path: string, what?: string): void {
  const full = resolve(path);
  const dir = dirname(full);
  if (!existsSync(dir)) throw new FileError(`cannot write ${named(path, what)}: the directory '${dir}' does not exist`);
  if (!statSync(dir).isDirectory())
    throw new FileError(`cannot write ${named(path, what)}: '${dir}' is not a directory`);
  if (existsSync(full) && statSync(full).isDirectory())
    throw new FileError(`cannot write ${named(path, what)}: it is a directory`);
}

/**
 * Writes bytes atomically: to a temporary file beside `path`, then renamed over it, so a reader
 * (or a crash, or Ctrl-C) never sees a half-written file.
 */
export function writeBytesAtomic(path: string, bytes: Uint8Array, what?: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw new FileError(`cannot write ${named(path, what)}: ${reason(error)}`);
  }
}
