// A fetch handler that streams generated text as Server-Sent Events, the shape a Cloudflare Worker,
// Deno Deploy or any fetch-style server takes: `export default createHandler(bytes, vocab)`.
// GET /generate?prompt=MARLOW:&length=200&temperature=0.8&seed=1 answers `text/event-stream`,
// one `data: "<text>"` event per generated character, then `event: done`.
import { type SequenceModel, Vocab, stream, type VocabJSON } from '../../src/index.ts';

/** What {@link createHandler} returns: a Worker's default export. */
export interface Handler {
  /** Answers one request. */
  fetch(request: Request): Promise<Response>;
}

/** Reads a number query parameter within [min, max], or the default. */
function param(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  const value = raw === null ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new RangeError(`${name} must be a number from ${min} to ${max}, received ${raw}`);
  return value;
}

/**
 * A handler serving one model (already imported, e.g. with strand/interop's `loadSafetensors`,
 * `modelFromStateDict` or `importOnnx`) and its vocabulary.
 */
export function createHandler(model: SequenceModel, vocabJSON: VocabJSON): Handler {
  const vocab = Vocab.fromJSON(vocabJSON);
  const encoder = new TextEncoder();
  return {
    async fetch(request: Request): Promise<Response> {
      const url = new URL(request.url);
      if (url.pathname !== '/generate') return new Response('try GET /generate?prompt=MARLOW:\n', { status: 404 });
      let options: { length: number; temperature: number; seed: number };
      try {
        options = {
          length: param(url, 'length', 200, 1, 2000),
          temperature: param(url, 'temperature', 0.8, 0, 5),
          seed: param(url, 'seed', Date.now() % 2 ** 31, 0, 2 ** 31),
        };
      } catch (error) {
        return new Response(`${(error as Error).message}\n`, { status: 400 });
      }
      const prime = vocab.encode(url.searchParams.get('prompt') ?? '');
      const tokens = stream(model, { ...options, prime: prime.length > 0 ? prime : undefined });
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await tokens.next();
          if (next.done) {
            controller.enqueue(encoder.encode('event: done\ndata: {}\n\n'));
            controller.close();
          } else controller.enqueue(encoder.encode(`data: ${JSON.stringify(vocab.decode([next.value]))}\n\n`));
        },
        async cancel() {
          await tokens.return(undefined);
        },
      });
      return new Response(body, {
        headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
      });
    },
  };
}
