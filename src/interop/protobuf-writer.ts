/**
 * A small protobuf encoder: enough of the wire format for ONNX files (varints, signed int64 as
 * ten-byte two's complement, fixed32 floats, packed int64s, length-delimited bytes, strings and
 * nested messages).
 */

/** Protobuf wire types. */
const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** Builds one protobuf message; nested messages are written by value with {@link ProtoWriter.message}. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  /** A varint of any safe integer; a negative one as its 64-bit two's complement (ten bytes). */
  private raw(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf: ${value} is not a safe integer`);
    const out: number[] = [];
    let v = BigInt.asUintN(64, BigInt(value));
    for (; v >= 0x80n; v >>= 7n) out.push(Number(v & 0x7fn) | 0x80);
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wireType: number): void {
    this.raw(field * 8 + wireType);
  }

  /** An unsigned varint field (uint32 / uint64, or an int32 / int64 / enum known to be ≥ 0). */
  varint(field: number, value: number): this {
    if (value < 0) throw new RangeError(`protobuf: varint field ${field} must be ≥ 0, received ${value}`);
    return this.int64(field, value);
  }

  /** An int32 / int64 field; a negative value takes ten bytes (two's complement), as protobuf writes it. */
  int64(field: number, value: number): this {
    this.tag(field, VARINT);
    this.raw(value);
    return this;
  }

  /** A float field (fixed32, little-endian). */
  float32(field: number, value: number): this {
    this.tag(field, FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  /** A packed repeated int64 field (one length-delimited run of varints; negatives take ten bytes each). */
  packedInt64(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.raw(v);
    return this.message(field, inner);
  }

  /** A bytes field. */
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, LENGTH_DELIMITED);
    this.raw(data.length);
    this.push(data);
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  /** An embedded message field; its bytes are shared, not copied, until {@link finish}. */
  message(field: number, inner: ProtoWriter): this {
    this.tag(field, LENGTH_DELIMITED);
    this.raw(inner.length);
    for (const c of inner.chunks) this.push(c);
    return this;
  }

  /** The encoded message. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
