import type { AllKernels, Backend } from '../backend.ts';
import { ArrayBufferMemory, Heap } from '../heap.ts';
import { JsKernels } from './kernels.ts';
import { JsTrainingKernels } from './training.ts';

/** Creates the pure-TypeScript backend over an ordinary ArrayBuffer. */
export function createJsBackend(): Backend {
  const memory = new ArrayBufferMemory(16);
  const heap = new Heap(memory, 64);
  const view = (): Float32Array => heap.all();
  return {
    name: 'js',
    flavor: 'typescript',
    heap,
    kernels: mergeKernels(new JsKernels(view), new JsTrainingKernels(view)),
  };
}

/** One object with every kernel of both halves, each bound so it can be called detached. */
function mergeKernels(core: JsKernels, training: JsTrainingKernels): AllKernels {
  const out: Record<string, unknown> = {};
  for (const part of [core, training] as object[]) {
    const names = new Set([...Object.keys(part), ...Object.getOwnPropertyNames(Object.getPrototypeOf(part))]);
    for (const name of names) {
      const value = (part as Record<string, unknown>)[name];
      if (typeof value === 'function' && name !== 'constructor')
        out[name] = (value as (...a: unknown[]) => unknown).bind(part);
    }
  }
  return out as unknown as AllKernels;
}
