// The demo page: reads the form, starts the training worker, and draws what it reports — the
// loss curve, tokens/s, samples and the gradient flow. All training happens in worker.ts.
import { drawFlow, drawLoss, smooth, type FlowProfile } from './charts.ts';
import type { CellName, FromWorker, ToWorker } from './protocol.ts';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`demo: the page has no #${id}`);
  return el as T;
};

const form = $<HTMLFormElement>('controls');
const textArea = $<HTMLTextAreaElement>('text');
const cellSelect = $<HTMLSelectElement>('cell');
const hiddenSelect = $<HTMLSelectElement>('hidden');
const temperatureInput = $<HTMLInputElement>('temperature');
const temperatureValue = $<HTMLOutputElement>('temperature-value');
const trainButton = $<HTMLButtonElement>('train');
const stopButton = $<HTMLButtonElement>('stop');
const status = $('status');
const errorBox = $('error');
const lossChart = $<HTMLCanvasElement>('loss-chart');
const flowChart = $<HTMLCanvasElement>('flow-chart');

/** Profiles of the gradient-flow chart kept on screen (the newest bold, the rest fading). */
const FLOW_HISTORY = 8;

let worker: Worker | null = null;
let losses: number[] = [];
let flows: FlowProfile[] = [];
let drawQueued = false;

/** Redraws both charts at the next animation frame (at most once per frame). */
function redraw(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    drawLoss(lossChart, losses);
    drawFlow(flowChart, flows);
    lossChart.dataset.points = String(losses.length);
    flowChart.dataset.profiles = String(flows.length);
  });
}

const thousands = (n: number): string => Math.round(n).toLocaleString('en-US');

function send(message: ToWorker): void {
  worker?.postMessage(message);
}

function ensureWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (event: MessageEvent<FromWorker>) => onMessage(event.data);
  worker.onerror = (event) => showError(`the training worker failed: ${event.message || 'it could not be loaded'}`);
  return worker;
}

function showError(message: string): void {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

function setRunning(running: boolean): void {
  trainButton.disabled = running;
  stopButton.disabled = !running;
  cellSelect.disabled = running;
  hiddenSelect.disabled = running;
  form.querySelectorAll<HTMLInputElement>('input[name="source"]').forEach((radio) => {
    radio.disabled = running;
  });
  textArea.disabled = running || sourceIsBuiltin();
  trainButton.textContent = running ? 'Training…' : losses.length > 0 ? 'Train again' : 'Train';
}

function sourceIsBuiltin(): boolean {
  return form.querySelector<HTMLInputElement>('input[name="source"]:checked')?.value !== 'own';
}

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'ready':
      $('model').textContent = m.model;
      $('params').textContent = `${thousands(m.parameters)} parameters, ${m.vocabSize} symbols`;
      status.textContent =
        `Training on ${m.source} (${thousands(m.tokens)} characters) with the ${m.backend} backend` +
        `${m.isolated ? ' in a cross-origin isolated worker' : ''}.`;
      break;
    case 'progress': {
      losses.push(...m.losses);
      const s = smooth(losses);
      $('loss').textContent = s[s.length - 1].toFixed(3);
      $('speed').textContent = thousands(m.tokensPerSecond);
      $('step').textContent = thousands(m.step);
      $('epoch').textContent = `epoch ${m.epoch}, ${m.elapsed.toFixed(0)} s`;
      redraw();
      break;
    }
    case 'sample': {
      const pre = $('sample');
      const prime = document.createElement('span');
      prime.className = 'prime';
      prime.textContent = m.prime;
      pre.replaceChildren(prime, document.createTextNode(m.text));
      $('sample-info').textContent = `(after update ${thousands(m.step)}, temperature ${m.temperature.toFixed(2)})`;
      break;
    }
    case 'gradflow':
      flows.push({ step: m.step, norms: m.norms });
      if (flows.length > FLOW_HISTORY) flows = flows.slice(-FLOW_HISTORY);
      $('flow-info').textContent =
        `${m.label} after update ${thousands(m.step)}: ‖∂L/∂h‖ is ${m.norms[m.norms.length - 1].toExponential(2)} at the last step and ` +
        `${m.norms[0].toExponential(2)} ${m.norms.length - 1} steps back; the parameter gradient's norm is ${m.gradNorm.toPrecision(3)}. ` +
        "A plain RNN's curve falls steeply — the vanishing gradient; LSTM and GRU keep it flatter.";
      redraw();
      break;
    case 'done':
      setRunning(false);
      if (m.reason !== 'error')
        status.textContent = `Stopped after ${thousands(m.steps)} updates. Move the temperature slider to sample again.`;
      break;
    case 'error':
      showError(m.message);
      break;
  }
}

form.addEventListener('change', (event) => {
  if ((event.target as HTMLInputElement).name === 'source') textArea.disabled = sourceIsBuiltin();
});

form.addEventListener('submit', (event) => {
  event.preventDefault();
  errorBox.hidden = true;
  const builtin = sourceIsBuiltin();
  const text = builtin ? null : textArea.value;
  if (text !== null && text.trim().length < 1000) {
    showError('Paste at least 1 000 characters of text (a few thousand learn better), or pick the built-in corpus.');
    return;
  }
  losses = [];
  flows = [];
  for (const id of ['loss', 'speed', 'step']) $(id).textContent = '–';
  $('epoch').textContent = '';
  $('sample').textContent = '';
  $('sample-info').textContent = '';
  redraw();
  status.textContent = 'Starting the worker…';
  ensureWorker();
  setRunning(true);
  send({
    type: 'start',
    text,
    cell: cellSelect.value as CellName,
    hidden: Number(hiddenSelect.value),
    temperature: Number(temperatureInput.value),
  });
});

stopButton.addEventListener('click', () => send({ type: 'stop' }));

temperatureInput.addEventListener('input', () => {
  const value = Number(temperatureInput.value);
  temperatureValue.textContent = value.toFixed(2);
  send({ type: 'temperature', value });
});

window.addEventListener('resize', redraw);

$('env').textContent = crossOriginIsolated
  ? 'This page is cross-origin isolated (COOP + COEP): shared memory is available to the worker.'
  : 'This page is not cross-origin isolated: the worker trains on one thread.';
redraw();
