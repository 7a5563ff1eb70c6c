import type { Rng } from '../util/rng.ts';
import { num, obj, oneOf, type ObjectSpec } from '../util/options.ts';

/**
 * How a weight matrix is initialised:
 * - `'uniform'`: PyTorch's default for recurrent layers, U(−1/√H, 1/√H);
 * - `'glorot'`: Glorot / Xavier uniform, U(±√(6 / (fanIn + fanOut))) over the whole (G, fanIn) matrix;
 * - `'orthogonal'`: each (H, H) gate block an orthogonal matrix (recurrent weights only);
 * - `'identity'`: each (H, H) gate block the identity (Le et al.'s IRNN: ReLU RNNs; recurrent only);
 * - `'zeros'`.
 */
export type WeightInit = 'uniform' | 'glorot' | 'orthogonal' | 'identity' | 'zeros';

/** Initialisation options of a recurrent layer or cell. */
export interface RecurrentInit {
  /** Input-to-hidden weights; default `'uniform'`. */
  weightIh?: WeightInit;
  /** Hidden-to-hidden weights; default `'uniform'`. */
  weightHh?: WeightInit;
  /** Biases: `'uniform'` (default, as PyTorch) or `'zeros'`. */
  bias?: 'uniform' | 'zeros';
  /**
   * LSTM only: sets the forget-gate part of `bias_ih` to this value and of `bias_hh` to 0
   * (Jozefowicz et al.; Keras' `unitForgetBias` is 1).
   */
  forgetBias?: number;
}

const INITS: readonly WeightInit[] = ['uniform', 'glorot', 'orthogonal', 'identity', 'zeros'];

/** The `init` option of recurrent layers and cells: {@link RecurrentInit}, option by option. */
export const RECURRENT_INIT_OPTION: ObjectSpec = obj({
  weightIh: oneOf(...INITS),
  weightHh: oneOf(...INITS),
  bias: oneOf('uniform', 'zeros'),
  // written into the float32 biases
  forgetBias: num({ float32: true }),
});

/**
 * Throws a clear error unless the choices of an `init` option (already checked against
 * {@link RECURRENT_INIT_OPTION}) fit the layer: only recurrent weights are square, and only an
 * LSTM has a forget gate.
 */
export function checkInitChoices(init: RecurrentInit, lstm: boolean, where: string): void {
  if (init.weightIh === 'orthogonal' || init.weightIh === 'identity') {
    throw new TypeError(
      `${where}: options.init.weightIh cannot be '${init.weightIh}' (only recurrent weights are square)`,
    );
  }
  if (init.forgetBias !== undefined && !lstm)
    throw new TypeError(`${where}: options.init.forgetBias applies to LSTM only`);
}

/**
 * Fills a (rows, cols) row-major weight matrix `w` made of `rows / blockRows` gate blocks.
 * @param hidden the hidden size H (sets the uniform bound 1/√H and the square block size)
 */
export function fillWeight(
  w: Float32Array,
  rows: number,
  cols: number,
  kind: WeightInit,
  hidden: number,
  rng: Rng,
): void {
  switch (kind) {
    case 'uniform': {
      const k = 1 / Math.sqrt(hidden);
      for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-k, k);
      return;
    }
    case 'glorot': {
      const limit = Math.sqrt(6 / (rows + cols));
      for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-limit, limit);
      return;
    }
    case 'zeros':
      w.fill(0);
      return;
    case 'identity':
    case 'orthogonal': {
      if (cols !== hidden || rows % hidden !== 0) {
        throw new Error(`init '${kind}' needs square gate blocks, got a (${rows}, ${cols}) matrix with H = ${hidden}`);
      }
      for (let g = 0; g < rows / hidden; g++) {
        const block = w.subarray(g * hidden * hidden, (g + 1) * hidden * hidden);
        if (kind === 'identity') {
          block.fill(0);
          for (let i = 0; i < hidden; i++) block[i * hidden + i] = 1;
        } else {
          orthogonal(block, hidden, rng);
        }
      }
      return;
    }
  }
}

/** An (n, n) orthogonal matrix: Gram–Schmidt (twice, for stability) on a Gaussian matrix. */
function orthogonal(out: Float32Array, n: number, rng: Rng): void {
  const q = new Float64Array(n * n);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        let dot = 0;
        for (let k = 0; k < n; k++) dot += q[i * n + k] * q[j * n + k];
        for (let k = 0; k < n; k++) q[i * n + k] -= dot * q[j * n + k];
      }
      let norm = 0;
      for (let k = 0; k < n; k++) norm += q[i * n + k] ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let k = 0; k < n; k++) q[i * n + k] /= norm;
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = q[i];
}
