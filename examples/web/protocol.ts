// The messages between the demo page and its training worker.

/** Recurrent cells the page offers. */
export type CellName = 'lstm' | 'gru' | 'rnn';

/** Page → worker. */
export type ToWorker =
  | { type: 'start'; text: string | null; cell: CellName; hidden: number; temperature: number }
  | { type: 'stop' }
  | { type: 'temperature'; value: number };

/** Worker → page. */
export type FromWorker =
  | {
      type: 'ready';
      backend: string;
      isolated: boolean;
      parameters: number;
      vocabSize: number;
      tokens: number;
      source: string;
      model: string;
    }
  | { type: 'progress'; losses: number[]; step: number; epoch: number; tokensPerSecond: number; elapsed: number }
  | { type: 'sample'; step: number; temperature: number; prime: string; text: string }
  | { type: 'gradflow'; step: number; label: string; norms: number[]; gradNorm: number }
  | { type: 'done'; reason: string; steps: number }
  | { type: 'error'; message: string };
