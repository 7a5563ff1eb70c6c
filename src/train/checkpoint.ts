/**
 * The parts of a trainer checkpoint that are not the optimizer's: the model, for every model strand
 * can save ({@link SequenceModel} with token or feature input, a head at every step or at the last;
 * {@link EncoderDecoder}), and the recurrent state a running fit carries from update to update.
 */
import type { Backend } from '../backend/backend.ts';
import type { NamedTensor } from '../io/container.ts';
import { FormatError } from '../io/format-error.ts';
import { SequenceModel, type SavedState } from '../nn/model.ts';
import { EncoderDecoder } from '../nn/seq2seq.ts';
import type { Trainable } from '../nn/trainable.ts';
import { describe } from '../util/check.ts';

/** The model's header part (with `kind`) and tensors; throws for a model strand cannot save. */
export function modelCheckpoint(
  model: Trainable,
  kind: string,
  where: string,
): { header: Record<string, unknown>; tensors: NamedTensor[] } {
  if (model instanceof SequenceModel || model instanceof EncoderDecoder)
    return { header: model.checkpointHeader(kind), tensors: model.checkpointTensors() };
  throw new TypeError(`${where}: can save a SequenceModel or an EncoderDecoder, received ${describe(model)}`);
}

/** Builds the model a checkpoint holds: an {@link EncoderDecoder} when its header says so, else a {@link SequenceModel}. */
export function modelFromCheckpoint(
  header: Record<string, unknown>,
  tensors: Map<string, Float32Array>,
  backend: Backend | undefined,
  where: string,
  limits: { maxParameters?: number } = {},
): SequenceModel | EncoderDecoder {
  return header.encoderDecoder !== undefined
    ? EncoderDecoder.fromCheckpoint(header, tensors, backend, where, limits)
    : SequenceModel.fromCheckpoint(header, tensors, backend, where, limits);
}

const STATE = 'fit.state.';

/** A carried state as checkpoint tensors `fit.state.<i>` (none when no state is carried). */
export function carriedTensors(state: SavedState | null): NamedTensor[] {
  if (state === null || state.batch === 0) return [];
  return state.buffers.map((data, i) => ({ name: `${STATE}${i}`, data }));
}

/**
 * The carried state of `batch` streams from a checkpoint's `fit.state.<i>` tensors (null for
 * batch 0), checked against the model first: one h and one c buffer per recurrent layer of
 * (numLayers·directions, batch, hidden) values (c empty but for LSTM), all finite.
 */
export function carriedFromCheckpoint(
  model: Trainable,
  batch: number,
  tensors: Map<string, Float32Array>,
  where: string,
): SavedState | null {
  const names = [...tensors.keys()].filter((n) => n.startsWith(STATE));
  if (batch === 0) {
    if (names.length > 0)
      throw new FormatError(where, 'the checkpoint carries no state, but holds a carried state tensor', {
        part: 'tensors',
        expected: 'no fit.state.* tensor (trainer.carried is 0)',
        found: `'${names[0]}'`,
      });
    return null;
  }
  if (!(model instanceof SequenceModel))
    throw new FormatError(where, 'the model carries no state', {
      part: 'header',
      field: 'trainer.carried',
      expected: `0 (${describe(model)} carries no state)`,
      found: String(batch),
    });
  const sizes = model.recurrent.flatMap((r) => {
    const n = r.numLayers * r.directions * batch * r.hiddenSize;
    return [n, r.cell === 'lstm' ? n : 0];
  });
  if (names.length !== sizes.length)
    throw new FormatError(where, 'the carried state does not fit the model', {
      part: 'tensors',
      expected: `${sizes.length} fit.state.* tensors`,
      found: `${names.length}`,
    });
  const buffers = sizes.map((n, i) => {
    const data = tensors.get(`${STATE}${i}`);
    if (data === undefined)
      throw new FormatError(where, 'the carried state does not fit the model', {
        part: 'tensors',
        expected: `a tensor '${STATE}${i}'`,
        found: 'no tensor of that name',
      });
    if (data.length !== n)
      throw new RangeError(
        `${where}: the carried state tensor '${STATE}${i}' must have ${n} values, received ${data.length}`,
      );
    for (let j = 0; j < data.length; j++) {
      if (!Number.isFinite(data[j]))
        throw new RangeError(
          `${where}: the carried state tensor '${STATE}${i}' must be finite, received ${data[j]} at index ${j}`,
        );
    }
    return data;
  });
  return { batch, buffers };
}
