// Zero-state starts while training a language model on a token stream (`strand train` and the
// demo page do it from onStep). The trainer carries each stream's state from window to window, so
// a model sees a zero state only where a stream starts (once per epoch), while generation always
// starts from one: a prime such as `MARLOW:` then reads from a state the model barely knows.
// Zeroing a rotating share of the streams after each update teaches it to start from nothing too.
import type { SequenceModel } from '../nn/model.ts';

/**
 * Zeroes the carried state of the streams `j` with `(j + step) % every === 0`, so each stream
 * restarts from a zero state once every `every` windows. Does nothing when no state is carried.
 * Call it from a token-stream fit's `onStep` with the event's `step`:
 * `onStep: (e) => resetSomeStreams(model, e.step, 8)`.
 */
export function resetSomeStreams(model: SequenceModel, step: number, every: number): void {
  const saved = model.saveState();
  const B = saved.batch;
  if (B === 0 || every < 1) return;
  saved.buffers.forEach((buffer, k) => {
    // buffers: h then c per recurrent layer, each (numLayers·D, B, H) row-major
    const H = model.recurrent[k >> 1].hiddenSize;
    const blocks = buffer.length / (B * H);
    for (let j = 0; j < B; j++) {
      if ((j + step) % every !== 0) continue;
      for (let l = 0; l < blocks; l++) buffer.fill(0, (l * B + j) * H, (l * B + j + 1) * H);
    }
  });
  model.restoreState(saved);
}
