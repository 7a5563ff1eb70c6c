// Tables for `strand fit`: CSV (RFC 4180: a header row, quoted fields with "" escapes, commas and
// newlines) and JSON lines (one object per line), read into named columns. Every error names the
// file, the line and, where it applies, the column.
import { statSync } from 'node:fs';
import { readText } from '../platform/node-files.ts';
import { CliError } from './args.ts';

/** A table: column names, and per row its cells (CSV: strings; JSON lines: any JSON value) and first line. */
export interface Table {
  /** The file, for error messages. */
  file: string;
  /** Column names in order (CSV: the header; JSON lines: keys in first-seen order). */
  columns: string[];
  /** rows[i][c]: the cell of column c (undefined when a JSON line lacks the key). */
  rows: unknown[][];
  /** lines[i]: the 1-based line where row i starts. */
  lines: number[];
}

const fail = (message: string): never => {
  throw new CliError(message, 1);
};

/**
 * Parses CSV text: the first record is the header; every record must have as many fields as it.
 * Records may end in \n or \r\n; blank lines are skipped.
 * @param file how to name the source in errors
 */
export function parseCsv(text: string, file: string): Table {
  const records: string[][] = [];
  const lines: number[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let blank = true;
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        blank = false;
        const opened = line;
        i++;
        for (;;) {
          if (i >= n) fail(`${file}: line ${opened}: a quoted field is never closed`);
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          value += c;
          i++;
        }
        const next = text[i];
        if (i < n && next !== ',' && next !== '\n' && !(next === '\r' && text[i + 1] === '\n'))
          fail(
            `${file}: line ${line}: unexpected ${JSON.stringify(next)} after a closing quote (write "" for a quote)`,
          );
      } else {
        const from = i;
        while (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) i++;
        value = text.slice(from, i);
        if (value !== '') blank = false;
      }
      fields.push(value);
      if (text[i] === ',') {
        blank = false;
        i++;
        continue;
      }
      i += text[i] === '\r' ? 2 : 1; // past the record's end (or the text's)
      line++;
      break;
    }
    if (blank) continue;
    records.push(fields);
    lines.push(start);
  }
  if (records.length === 0) fail(`${file}: the file is empty (a CSV file needs a header row)`);
  const [columns, ...rows] = records;
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) fail(`${file}: line ${lines[0]}: the header names column '${c}' twice`);
    seen.add(c);
  }
  rows.forEach((r, k) => {
    if (r.length !== columns.length)
      fail(`${file}: line ${lines[k + 1]}: ${r.length} fields, but the header has ${columns.length}`);
  });
  return { file, columns, rows, lines: lines.slice(1) };
}

/** Parses JSON lines: one object per non-blank line; the columns are the keys in first-seen order. */
export function parseJsonLines(text: string, file: string): Table {
  const objects: Record<string, unknown>[] = [];
  const lines: number[] = [];
  const columns: string[] = [];
  const known = new Set<string>();
  text.split('\n').forEach((raw, k) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      fail(`${file}: line ${k + 1}: not valid JSON (${(error as Error).message})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      fail(
        `${file}: line ${k + 1}: expected a JSON object, received ${Array.isArray(value) ? 'an array' : raw.trim().slice(0, 40)}`,
      );
    for (const key of Object.keys(value as object))
      if (!known.has(key)) {
        known.add(key);
        columns.push(key);
      }
    objects.push(value as Record<string, unknown>);
    lines.push(k + 1);
  });
  if (objects.length === 0) fail(`${file}: the file is empty (JSON lines need one object per line)`);
  return { file, columns, rows: objects.map((o) => columns.map((c) => o[c])), lines };
}

/**
 * Reads a table file: JSON lines for names ending .jsonl / .ndjson, else CSV. Refuses files over `maxBytes`.
 */
export function readTable(path: string, maxBytes: number, what = '--data'): Table {
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    // readText names the problem
  }
  if (size > maxBytes) fail(`${what} '${path}' has ${size} bytes, more than --max-bytes ${maxBytes}`);
  const text = readText(path, what);
  return /\.(jsonl|ndjson)$/i.test(path) ? parseJsonLines(text, path) : parseCsv(text, path);
}

/** The index of a column; an unknown name is an error listing the columns. */
export function columnIndex(table: Table, name: string, flag: string): number {
  const c = table.columns.indexOf(name);
  if (c < 0) fail(`${table.file}: ${flag} '${name}' is not a column; the columns are ${table.columns.join(', ')}`);
  return c;
}

/** A column's finite numbers; a missing or non-numeric cell is an error naming its line and column. */
export function numericColumn(table: Table, name: string, flag: string): number[] {
  const c = columnIndex(table, name, flag);
  return table.rows.map((r, i) => {
    const cell = r[c];
    const v = typeof cell === 'number' ? cell : typeof cell === 'string' && cell.trim() !== '' ? Number(cell) : NaN;
    if (!Number.isFinite(v))
      fail(
        `${table.file}: line ${table.lines[i]}, column '${name}': expected a number, received ${cell === undefined ? 'nothing' : JSON.stringify(cell)}`,
      );
    return v;
  });
}

/** A column as text (JSON numbers and booleans as written); a missing cell or other value is an error. */
export function textColumn(table: Table, name: string, flag: string): string[] {
  const c = columnIndex(table, name, flag);
  return table.rows.map((r, i) => {
    const cell = r[c];
    if (typeof cell === 'string') return cell;
    if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
    return fail(
      `${table.file}: line ${table.lines[i]}, column '${name}': expected text, received ${cell === undefined ? 'nothing' : JSON.stringify(cell)}`,
    );
  });
}
