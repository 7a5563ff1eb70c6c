import type { Backend } from '../backend/backend.ts';
import { describe } from '../util/check.ts';

/** Name, shape and place (in floats, from the slab start) of one parameter tensor. */
export interface ParameterEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** Offset in floats from the start of the slab; a multiple of 16 (64 bytes). */
  readonly offset: number;
  readonly size: number;
}

/** A `state_dict`: parameter tensors by PyTorch name, as flat row-major Float32Arrays. */
export type StateDict = Record<string, Float32Array>;

const ALIGN_FLOATS = 16;

/**
 * The parameters of a model object in ONE contiguous slab of backend memory, and their
 * gradients in a second slab with identical offsets (so that clipping and optimizers are single
 * flat loops over the whole model).
 */
export class ParameterSet {
  /** The backend whose heap holds the slabs. */
  readonly backend: Backend;
  private readonly byName = new Map<string, ParameterEntry>();
  private readonly order: ParameterEntry[] = [];
  /** Total floats in a slab (including alignment padding). */
  readonly size: number;
  private paramPtr: number;
  private gradPtr: number;
  private writes = 0;

  /** Allocates zeroed slabs for the given (name, shape) list, in that order. */
  constructor(backend: Backend, specs: ReadonlyArray<readonly [string, readonly number[]]>) {
    this.backend = backend;
    let offset = 0;
    for (const [name, shape] of specs) {
      const size = shape.reduce((a, b) => a * b, 1);
      const entry: ParameterEntry = { name, shape: [...shape], offset, size };
      this.byName.set(name, entry);
      this.order.push(entry);
      offset += Math.ceil(size / ALIGN_FLOATS) * ALIGN_FLOATS;
    }
    this.size = Math.max(offset, ALIGN_FLOATS);
    this.paramPtr = backend.heap.allocF32(this.size);
    try {
      this.gradPtr = backend.heap.allocF32(this.size);
    } catch (error) {
      backend.heap.release(this.paramPtr); // a refused allocation leaves the heap as it was
      throw error;
    }
  }

  /** The entries in slab order. */
  entries(): readonly ParameterEntry[] {
    return this.order;
  }

  /** Number of trainable values (without padding). */
  count(): number {
    return this.order.reduce((n, e) => n + e.size, 0);
  }

  /**
   * Byte pointer of the parameter slab, for code that writes the parameters in place (optimizers,
   * gradient checks): handing it out counts as a write (see {@link version}).
   */
  get slab(): number {
    this.assertLive();
    this.markWritten();
    return this.paramPtr;
  }

  /**
   * A number that changes whenever the parameters may have changed: on every {@link slab},
   * {@link view} and {@link loadStateDict}. Caches derived from the weights (the recurrent
   * layers' packed weight panels) are valid while it stays the same.
   */
  get version(): number {
    return this.writes;
  }

  /** @internal Records a write to the parameters (bumps {@link version}), e.g. through a pointer taken earlier from {@link slab}. */
  markWritten(): void {
    this.writes++;
  }

  /** The slab pointer for reading (kernel arguments, copies): not a write. */
  private get readSlab(): number {
    this.assertLive();
    return this.paramPtr;
  }

  /** Byte pointer of the gradient slab. */
  get gradSlab(): number {
    this.assertLive();
    return this.gradPtr;
  }

  /** Byte pointer of parameter `name` (0 if `name` is absent, e.g. a disabled bias), for kernels that read it. */
  ptr(name: string): number {
    const e = this.byName.get(name);
    return e === undefined ? 0 : this.readSlab + e.offset * 4;
  }

  /** Byte pointer of the gradient of `name` (0 if absent). */
  gradPtrOf(name: string): number {
    const e = this.byName.get(name);
    return e === undefined ? 0 : this.gradSlab + e.offset * 4;
  }

  /** Whether a parameter of this name exists. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** A live view of parameter `name` (valid until the next allocation): for initialisers. */
  view(name: string): Float32Array {
    const e = this.entry(name);
    return this.backend.heap.f32(this.slab + e.offset * 4, e.size); // a live view: counts as a write
  }

  /** Copies of every parameter, by name. */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const e of this.order) out[e.name] = this.backend.heap.read(this.readSlab + e.offset * 4, e.size);
    return out;
  }

  /** Copies of every gradient, by parameter name. */
  gradDict(): StateDict {
    const out: StateDict = {};
    for (const e of this.order) out[e.name] = this.backend.heap.read(this.gradSlab + e.offset * 4, e.size);
    return out;
  }

  /** Shapes of every parameter, by name. */
  shapes(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const e of this.order) out[e.name] = [...e.shape];
    return out;
  }

  /**
   * Loads parameters by name. Everything is validated before anything is written, so a bad
   * dict leaves the parameters untouched.
   * @param dict tensors by name (Float32Array, or any numeric array of the right length)
   * @param strict when true (default), every parameter must be present
   * @param where the caller's name, for error messages
   */
  loadStateDict(dict: Record<string, ArrayLike<number>>, strict = true, where = 'loadStateDict'): void {
    if (dict === null || typeof dict !== 'object') {
      throw new TypeError(
        `${where}: stateDict must be an object of named tensors, received ${dict === null ? 'null' : typeof dict}`,
      );
    }
    for (const [name, value] of Object.entries(dict)) {
      const e = this.byName.get(name);
      if (e === undefined) {
        throw new Error(
          `${where}: unexpected parameter '${name}'; expected one of ${this.order.map((p) => p.name).join(', ')}`,
        );
      }
      if (value === null || typeof value !== 'object' || typeof (value as ArrayLike<number>).length !== 'number') {
        throw new TypeError(`${where}: parameter '${name}' must be a Float32Array, received ${describe(value)}`);
      }
      if (value.length !== e.size) {
        throw new RangeError(
          `${where}: parameter '${name}' must have shape [${e.shape.join(', ')}] (${e.size} values), received ${value.length} values`,
        );
      }
      for (let i = 0; i < value.length; i++) {
        if (!Number.isFinite(Math.fround(value[i]))) {
          throw new RangeError(
            `${where}: parameter '${name}' must be finite (as float32), received ${value[i]} at index ${i}`,
          );
        }
      }
    }
    if (strict) {
      const missing = this.order.filter((e) => !(e.name in dict)).map((e) => e.name);
      if (missing.length > 0)
        throw new Error(`${where}: missing parameters ${missing.join(', ')} (pass strict = false to load a subset)`);
    }
    this.markWritten();
    for (const [name, value] of Object.entries(dict)) this.backend.heap.write(this.ptr(name), value);
  }

  /** Sets every gradient to zero. */
  zeroGrad(): void {
    this.backend.heap.f32(this.gradSlab, this.size).fill(0);
  }

  /** Whether {@link dispose} has run. */
  get disposed(): boolean {
    return this.paramPtr === 0;
  }

  /** Frees both slabs. Idempotent. */
  dispose(): void {
    if (this.paramPtr === 0) return;
    this.backend.heap.release(this.paramPtr);
    this.backend.heap.release(this.gradPtr);
    this.paramPtr = 0;
    this.gradPtr = 0;
  }

  private entry(name: string): ParameterEntry {
    const e = this.byName.get(name);
    if (e === undefined) throw new Error(`unknown parameter '${name}'`);
    return e;
  }

  private assertLive(): void {
    if (this.paramPtr === 0) throw new Error('this object has been disposed');
  }
}
