/**
 * A restricted unpickler for the pickles of PyTorch files (data.pkl): it reads data and nothing
 * else. It implements only the opcodes that build values (protocols 2 to 5: ints, floats, strings,
 * None, booleans, tuples, lists, dicts, the memo) plus GLOBAL / STACK_GLOBAL, REDUCE, BUILD and
 * BINPERSID, and those only as data: a global is a name checked against the caller's list the
 * moment it is read, and REDUCE and BINPERSID hand their arguments to the caller's functions,
 * which build plain values. Nothing is executed or looked up. Errors name the byte offset in the
 * pickle.
 *
 * Values: None → null, bool → boolean, int and float → number, str → string, tuple and list →
 * array, dict → Map, a global → {@link PickleGlobal}.
 */
import { describe } from '../util/check.ts';
import { fail as failure } from './error.ts';

/** A global (a class or function) the pickle names, already checked against the allowed list. */
export class PickleGlobal {
  /** @param name `module.name`, e.g. `torch._utils._rebuild_tensor_v2` */
  constructor(readonly name: string) {}
}

/** What the caller supplies: the globals it allows and what REDUCE and BINPERSID build. */
export interface Unpickling {
  /** The only globals the pickle may name, as `module.name`. */
  globals: readonly string[];
  /** The value of `callable(*args)` for an allowed global; throws an InteropError otherwise. */
  reduce(callable: PickleGlobal, args: unknown[], offset: number): unknown;
  /** The object a persistent id stands for; throws an InteropError for one it does not know. */
  persistent(pid: unknown, offset: number): unknown;
}

const text = new TextDecoder();

/**
 * The value a pickle holds. Every opcode consumes input and creates at most one value, so the
 * stack, the memo and the values created are bounded by the pickle's length.
 */
export function unpickle(bytes: Uint8Array, use: Unpickling): unknown {
  const n = bytes.length;
  let pos = 0;
  let op = 0; // the offset of the opcode being run
  const fail = (expected: string, found: unknown, problem = 'bad pickle', offset = op): never => {
    throw failure('pytorch', problem, offset, expected, found);
  };
  const take = (k: number): number => {
    if (k > n - pos) fail(`${k} more bytes`, n - pos, 'truncated', pos);
    pos += k;
    return pos - k;
  };
  // an unsigned little-endian integer of k bytes (exact below 2⁵³)
  const uint = (k: number): number => {
    const at = take(k);
    let v = 0;
    for (let i = k - 1; i >= 0; i--) v = v * 256 + bytes[at + i];
    return v;
  };
  const str = (k: number): string => text.decode(bytes.subarray(take(k), pos));
  const line = (): string => {
    const end = bytes.indexOf(10, pos);
    return end < 0 ? fail('a line', 'no newline', 'truncated', pos) : str(end - pos + 1).slice(0, -1);
  };

  // Python's stacks: a MARK starts a fresh stack above the values already there
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const popN = (k: number): unknown[] => {
    const above = stack.length - (marks[marks.length - 1] ?? 0);
    return above < k ? fail(`${k} values on the stack`, above) : stack.splice(stack.length - k);
  };
  const pop = (): unknown => popN(1)[0];
  const top = (): unknown => stack[stack.push(pop()) - 1];
  const popMark = (): unknown[] => {
    const at = marks.pop();
    return at === undefined ? fail('a MARK', 'none') : stack.splice(at);
  };
  const pairs = (items: unknown[]): unknown[] => (items.length % 2 ? fail('key-value pairs', items.length) : items);
  const put = (index: number) => {
    // each PUT takes at least one byte, so the memo has at most n slots
    memo.set(index > n ? fail(`a memo index ≤ ${n}`, index) : index, top());
  };
  const get = (index: number) => stack.push(memo.has(index) ? memo.get(index) : fail('a memo slot written', index));
  const global = (name: string) =>
    stack.push(
      use.globals.includes(name)
        ? new PickleGlobal(name)
        : fail(`one of ${use.globals.join(', ')}`, describe(name).slice(1, -1), 'global not allowed'),
    );
  const dict = (): Map<unknown, unknown> => {
    const d = top();
    return d instanceof Map ? d : fail('a dict', describe(d));
  };
  const setItems = (items: unknown[]) => {
    const d = dict();
    for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
  };
  const list = (): unknown[] => {
    const l = top();
    return Array.isArray(l) ? l : fail('a list', describe(l));
  };

  for (;;) {
    op = pos;
    const code = bytes[take(1)];
    switch (code) {
      case 0x80: {
        // PROTO
        const protocol = uint(1);
        if (protocol < 2 || protocol > 5) fail('protocol 2 to 5', protocol);
        break;
      }
      case 0x95: // FRAME: a length, then opcodes as usual
        take(8);
        break;
      case 0x2e: {
        // STOP: one value, then the end
        const v = pop();
        return stack.length || marks.length || pos < n ? fail('one value, then the end', `${n - pos} more bytes`) : v;
      }
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: // TUPLE3
        stack.push(popN(code - 0x84));
        break;
      case 0x64: {
        // DICT
        const items = pairs(popMark());
        stack.push(new Map());
        setItems(items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        list().push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = list();
        for (const v of items) l.push(v);
        break;
      }
      case 0x73: // SETITEM
        setItems(popN(2));
        break;
      case 0x75: // SETITEMS
        setItems(pairs(popMark()));
        break;
      case 0x4a: // BININT: signed 32-bit
        stack.push(uint(4) | 0);
        break;
      case 0x4b: // BININT1
        stack.push(uint(1));
        break;
      case 0x4d: // BININT2
        stack.push(uint(2));
        break;
      case 0x8a: {
        // LONG1: two's complement, little-endian, of a given length (huge ones are not exact)
        const k = uint(1);
        const v = uint(k);
        stack.push(k && bytes[pos - 1] & 0x80 ? v - 256 ** k : v);
        break;
      }
      case 0x47: // BINFLOAT: big-endian float64
        stack.push(new DataView(bytes.buffer, bytes.byteOffset + take(8), 8).getFloat64(0));
        break;
      case 0x58: // BINUNICODE
        stack.push(str(uint(4)));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(str(uint(1)));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(str(uint(8)));
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
      case 0x89: // NEWFALSE
        stack.push(code === 0x88);
        break;
      case 0x71: // BINPUT
        put(uint(1));
        break;
      case 0x72: // LONG_BINPUT
        put(uint(4));
        break;
      case 0x94: // MEMOIZE
        put(memo.size);
        break;
      case 0x68: // BINGET
        get(uint(1));
        break;
      case 0x6a: // LONG_BINGET
        get(uint(4));
        break;
      case 0x63: {
        // GLOBAL: "module\nname\n"
        const module = line();
        global(`${module}.${line()}`);
        break;
      }
      case 0x93: {
        // STACK_GLOBAL: module and name from the stack
        const [module, name] = popN(2);
        if (typeof module !== 'string' || typeof name !== 'string') fail('two strings', describe(module));
        global(`${module}.${name}`);
        break;
      }
      case 0x52: {
        // REDUCE: callable(*args), for an allowed callable only, as data
        const [callable, args] = popN(2);
        stack.push(
          callable instanceof PickleGlobal && Array.isArray(args)
            ? use.reduce(callable, args, op)
            : fail('a global and a tuple', describe(callable)),
        );
        break;
      }
      case 0x62: // BUILD: a dict's attributes (an OrderedDict's _metadata) are ignored
        pop();
        dict();
        break;
      case 0x51: // BINPERSID
        stack.push(use.persistent(pop(), op));
        break;
      default:
        fail('a data opcode', `0x${code.toString(16)}`, 'opcode');
    }
  }
}
