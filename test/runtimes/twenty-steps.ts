// The cross-runtime fixture: the same seed and build must give bit-identical weights after 20
// training steps in every runtime (Node, Chromium, workerd, Deno, Bun). It takes the strand module
// as an argument, so each runtime passes the build it loaded (source, dist or the packed package),
// and it uses nothing but the public API and standard JavaScript.

/** A class constructor, loosely typed so that any build of strand (source, dist, packed) fits. */
// biome-ignore lint/suspicious/noExplicitAny: any build of strand (source, dist, packed) must fit
type Constructor = new (...args: any[]) => any;

/** The part of strand's public API the fixture needs. */
export interface StrandApi {
  init(options?: { backend?: 'wasm' | 'js' | 'auto'; flavor?: 'simd' }): Promise<unknown>;
  SequenceModel: Constructor;
  Embedding: Constructor;
  LSTM: Constructor;
  Dense: Constructor;
  Trainer: Constructor;
}

/** What {@link twentySteps} reports: a digest of every weight's bits, and the losses seen. */
export interface TwentyStepsResult {
  /** FNV-1a (32-bit, hex) over the f32 bit patterns of every parameter, in state-dict order. */
  digest: string;
  /** The loss of each of the 20 steps. */
  losses: number[];
}

/** FNV-1a over the bytes of a list of f32 arrays. */
function fnv1a(arrays: Float32Array[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * Trains a small embedding → 2-layer LSTM → dense character model for 20 Adam steps with clipping
 * on a fixed token pattern, and digests its weights.
 * @param strand the strand module (namespace import)
 * @param backend `'wasm'` (default) or `'js'`
 */
export async function twentySteps(strand: StrandApi, backend: 'wasm' | 'js' = 'wasm'): Promise<TwentyStepsResult> {
  // the plain-SIMD build on wasm: the portable build, whose numbers are the same in every runtime
  // (the relaxed build's fused multiply-adds may round differently from engine to engine)
  await strand.init(backend === 'wasm' ? { backend, flavor: 'simd' } : { backend });
  const V = 13,
    T = 12,
    B = 4;
  const model = new strand.SequenceModel({
    layers: [
      new strand.Embedding(V, 8, { seed: 1 }),
      new strand.LSTM(8, 16, { seed: 2, numLayers: 2 }),
      new strand.Dense(16, V, { seed: 3 }),
    ],
  });
  const trainer = new strand.Trainer(model, { optimizer: { type: 'adam', lr: 0.01 }, clip: { norm: 1 } });
  const input = new Int32Array(T * B);
  const target = new Int32Array(T * B);
  const losses: number[] = [];
  for (let step = 0; step < 20; step++) {
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const x = (t * 3 + b * 5 + step * 7) % V;
        input[t * B + b] = x;
        target[t * B + b] = (x * x + 1) % V;
      }
    }
    losses.push(trainer.step({ input, target }).loss);
  }
  const sd: Record<string, Float32Array> = model.stateDict();
  const digest = fnv1a(Object.keys(sd).map((k) => sd[k] as Float32Array));
  trainer.dispose();
  model.dispose();
  return { digest, losses };
}
