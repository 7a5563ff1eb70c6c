/**
 * The contract between a model and the {@link Trainer}: what a batch is, how a model writes one
 * into its buffers, and what a trainable model offers. Models implement it; the trainer sits above.
 */
import type { Backend } from '../backend/backend.ts';
import type { ParameterSet } from './params.ts';

/** What the head's outputs mean: class logits (`'softmax'`), independent logits (`'sigmoid'`) or values (`'linear'`). */
export type OutputKind = 'softmax' | 'sigmoid' | 'linear';

/** Input of one batch: token ids (with an Embedding) or features, time-major (T, B[, I]). */
export type SequenceInput = Int32Array | Float32Array | ArrayLike<number>;

/** One supervised batch for {@link Trainer.step}. Shapes are time-major. */
export interface Batch {
  /** Token ids (T·B) for a model with an Embedding, else features (T·B·I). */
  input: SequenceInput;
  /**
   * Targets per output row — (T·B) with a head at every step, (B) at the last step — as class
   * ids for cross-entropy (−1 = ignore), else values (rows · O) for bce / mse.
   */
  target: ArrayLike<number>;
  /** Time steps T (or inferred). */
  seqLen?: number;
  /** Sequences B (or inferred). */
  batch?: number;
  /** Per output row weight (0 = masked out, e.g. padding), (T·B) or (B). */
  mask?: ArrayLike<number>;
  /**
   * Valid length of each sequence (B) of a right-padded batch: padded steps neither advance a
   * sequence's state nor count in the loss, and a last-step head reads each sequence's last valid state.
   */
  lengths?: ArrayLike<number>;
  /** Continue from the model's carried state (and carry the new one). Default false. */
  stateful?: boolean;
}

/** @internal A batch written into a model's buffers, ready for one training pass. */
export interface PreparedBatch {
  /** Output rows the loss sees. */
  rows: number;
  /** Loss weights per row implied by the batch (e.g. padding from lengths), unless the batch gives a mask. */
  weights?: ArrayLike<number>;
  /** Runs the training forward pass; returns the pointer of the outputs (rows, outputSize). */
  forward: () => number;
  /** Backpropagates from dL/d(outputs) at `dlogits`, accumulating parameter gradients. */
  backward: (dlogits: number) => void;
}

/** What {@link Trainer} needs of a model: {@link SequenceModel} and {@link EncoderDecoder} provide it. */
export interface Trainable {
  /** The backend the model's parameters and buffers live on (the trainer allocates its own there too). */
  readonly backend: Backend;
  /** What the head's outputs mean; it picks the trainer's default loss. */
  readonly output: OutputKind;
  /** Values per output row, O: the head's output features (the classes, for a softmax model). */
  readonly outputSize: number;
  /** @internal Every parameter slab, bottom to top. */
  parameterSets(): ParameterSet[];
  /** Sets every gradient to zero. */
  zeroGrad(): void;
  /** @internal Validates a batch and writes it into the model's buffers. */
  prepare(batch: Batch, where: string): PreparedBatch;
}
