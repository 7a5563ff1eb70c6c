// The Worker the workerd test runs (bundled by the test from the installed package's `workerd`
// entry, with the .wasm builds and a saved model as modules of the Worker):
//   GET /generate?prime=…&length=…&seed=…&temperature=…[&flavor=simd]
//       loads the model, generates a continuation and scores it → { backend, text, logProb, perplexity }
//   GET /digest    the twenty-step fixture on the plain SIMD build and on init()'s own choice
//   GET /errors    what init() says for options this runtime cannot honour
//   GET /pytorch?prompt=…&length=…
//       a PyTorch model's safetensors file read with strand/interop, decoding greedily, answered as
//       Server-Sent Events (one `data: "<text>"` per character, then `event: done`)
import * as strand from 'strand';
import { modelFromStateDict, readSafetensors } from 'strand/interop';
import modelBytes from './model.strand';
import torchBytes from './model.safetensors';
import vocabBytes from './vocab.json.bin';
import { twentySteps } from './twenty-steps.mjs';

/** The strand module with init() pinned to one flavor (twentySteps calls init itself). */
const pinned = (flavor) => ({ ...strand, init: (options) => strand.init({ ...options, flavor }) });

/** A continuation of `prime` and its score under the saved model. */
async function generate(params) {
  const flavor = params.get('flavor');
  const backend = flavor ? await strand.init({ flavor }) : await strand.init();
  const model = strand.SequenceModel.load(new Uint8Array(modelBytes));
  try {
    const vocab = strand.Vocab.fromJSON(model.metadata.vocab);
    const prime = vocab.encode(params.get('prime') ?? 'the ');
    const ids = strand.generate(model, {
      prime,
      length: Number(params.get('length') ?? 40),
      seed: Number(params.get('seed') ?? 1),
      temperature: Number(params.get('temperature') ?? 1),
    });
    const score = strand.logProbability(model, ids, { prime });
    return {
      backend: `${backend.name}/${backend.flavor}`,
      text: vocab.decode(ids),
      logProb: score.logProb,
      perplexity: score.perplexity,
    };
  } finally {
    model.dispose();
  }
}

/** A stream of Server-Sent Events: the greedy continuation of `prompt` by the PyTorch model. */
async function pytorchStream(params) {
  await strand.init();
  const model = modelFromStateDict(readSafetensors(new Uint8Array(torchBytes)).tensors);
  const vocab = strand.Vocab.fromJSON(JSON.parse(new TextDecoder().decode(vocabBytes)));
  const tokens = strand.stream(model, {
    prime: vocab.encode(params.get('prompt') ?? 'MARLOW:'),
    length: Number(params.get('length') ?? 60),
    temperature: 0,
  });
  const encoder = new TextEncoder();
  const body = new ReadableStream({
    async pull(controller) {
      const next = await tokens.next();
      if (next.done) {
        model.dispose();
        controller.enqueue(encoder.encode('event: done\ndata: {}\n\n'));
        controller.close();
      } else controller.enqueue(encoder.encode(`data: ${JSON.stringify(vocab.decode([next.value]))}\n\n`));
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
}

/** The message init() rejects with, or 'resolved'. */
async function initError(options) {
  try {
    await strand.init(options);
    return 'resolved';
  } catch (error) {
    return error.message;
  }
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    try {
      if (url.pathname === '/generate') return Response.json(await generate(url.searchParams));
      if (url.pathname === '/pytorch') return await pytorchStream(url.searchParams);
      if (url.pathname === '/digest')
        return Response.json({ simd: await twentySteps(pinned('simd')), auto: await twentySteps(strand) });
      if (url.pathname === '/errors') {
        return Response.json({
          url: await initError({ url: 'https://example.invalid/strand-simd.wasm' }),
          bytes: await initError({ bytes: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) }), // an empty module
          flavor: await initError({ flavor: 'fast' }),
        });
      }
      return new Response('not found', { status: 404 });
    } catch (error) {
      return new Response(`${error.stack ?? error}`, { status: 500 });
    }
  },
};
