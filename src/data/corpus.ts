import { Rng } from '../util/rng.ts';

/*
 * strand's built-in training corpus: a small play about a lighthouse, written for this project
 * and expanded by a seeded grammar into ≈ 100 KB of dialogue, so that a character language model
 * has names, line structure, punctuation and recurring phrases to learn — and every machine gets
 * byte-identical text without any download.
 */

const PEOPLE = ['MARLOW', 'ISOLDE', 'WREN', 'THE KEEPER', 'TAMSIN', 'OLD BRAN', 'CORA', 'THE PILOT'];
const PLACES = [
  'the lamp room',
  'the harbour',
  'the north cliff',
  'the long stair',
  'the boathouse',
  'the salt road',
  'the chapel',
  'the reef',
];
const THINGS = [
  'the lamp',
  'the tide',
  'the bell',
  'the glass',
  'the storm',
  'the letter',
  'the key',
  'the lantern',
  'the chart',
  'the fog',
];
const FEELINGS = ['afraid', 'tired', 'certain', 'glad', 'angry', 'patient', 'ashamed', 'hopeful', 'cold', 'awake'];
const TIMES = [
  'tonight',
  'at dawn',
  'before the tide turns',
  'when the bell rings',
  'after the storm',
  'this winter',
  'by morning',
  'at the change of the watch',
];
const VERBS = ['keep', 'mend', 'watch', 'carry', 'light', 'follow', 'find', 'guard', 'answer', 'remember'];
const ADJECTIVES = ['dark', 'quiet', 'broken', 'bright', 'narrow', 'old', 'restless', 'grey', 'distant', 'steady'];
const WEATHER = [
  'The wind is rising',
  'The sea is calm',
  'Rain on the glass',
  'Fog along the reef',
  'Thunder in the west',
  'A clear cold night',
];

const LINES: ReadonlyArray<(r: Pick) => string> = [
  (r) => `I will ${r(VERBS)} ${r(THINGS)} ${r(TIMES)}.`,
  (r) => `Have you seen ${r(THINGS)}? It was here, by ${r(PLACES)}.`,
  (r) => `No. I am ${r(FEELINGS)}, and ${r(THINGS)} is ${r(ADJECTIVES)}.`,
  (r) => `Go down to ${r(PLACES)} and ${r(VERBS)} ${r(THINGS)}.`,
  (r) => `${r(WEATHER)}. We must ${r(VERBS)} ${r(THINGS)} ${r(TIMES)}.`,
  (r) => `Why are you ${r(FEELINGS)}? Nothing moves on ${r(PLACES)}.`,
  (r) => `Because ${r(THINGS)} is ${r(ADJECTIVES)}, and no one will ${r(VERBS)} it.`,
  (r) => `Then I shall ${r(VERBS)} it myself, ${r(TIMES)}.`,
  (r) => `Listen. Do you hear ${r(THINGS)}? It is ${r(ADJECTIVES)} again.`,
  (r) => `My father kept ${r(THINGS)} for forty years, and he was never ${r(FEELINGS)}.`,
  (r) => `Say it plainly: who took ${r(THINGS)} from ${r(PLACES)}?`,
  (r) =>
    `Not I. Ask ${r(PEOPLE)
      .toLowerCase()
      .replace(/\b\w/g, (c) => c.toUpperCase())}; ask the sea.`,
  (r) => `The ships will come ${r(TIMES)}, and they will look for ${r(THINGS)}.`,
  (r) => `Let them look. I am ${r(FEELINGS)} of waiting.`,
  (r) => `Hold ${r(THINGS)} higher. The ${r(ADJECTIVES)} water is full of rocks.`,
  (r) => `I remember ${r(PLACES)} when it was ${r(ADJECTIVES)} and no lamp burned there.`,
  (r) => `Be ${r(FEELINGS)}, then, but ${r(VERBS)} ${r(THINGS)}.`,
  (r) => `What is a keeper, if not one who will ${r(VERBS)} ${r(THINGS)} ${r(TIMES)}?`,
  (r) => `Enough. ${r(WEATHER)}, and we are talking.`,
  (r) => `I will climb ${r(PLACES)}. Wait for me ${r(TIMES)}.`,
];

const DIRECTIONS: ReadonlyArray<(r: Pick) => string> = [
  (r) => `[Enter ${title(r(PEOPLE))}, carrying ${r(THINGS)}.]`,
  (r) => `[${title(r(PEOPLE))} goes to ${r(PLACES)}.]`,
  (r) => `[${r(WEATHER)}. ${title(r(THINGS))} sways.]`,
  () => '[Exeunt.]',
];

type Pick = <T>(xs: readonly T[]) => T;

function title(s: string): string {
  return (
    s.charAt(0).toUpperCase() +
    s
      .slice(1)
      .toLowerCase()
      .replace(/\b(keeper|pilot|bran)\b/g, (w) => w.charAt(0).toUpperCase() + w.slice(1))
  );
}

/**
 * The built-in corpus (deterministic: the same text on every machine).
 * @param approxBytes roughly how long the text should be; default 100 000 characters
 */
export function builtinCorpus(approxBytes = 100_000): string {
  const rng = new Rng(1847);
  const pick: Pick = (xs) => xs[rng.int(xs.length)];
  const parts: string[] = ['THE LAMP ON THE REEF\nA play in many small scenes.\n\n'];
  let size = parts[0].length;
  for (let act = 1, scene = 1; size < approxBytes; scene++) {
    if (scene > 6) {
      act++;
      scene = 1;
    }
    const head = `ACT ${act}, SCENE ${scene}. ${title(pick(PLACES))}.\n\n${pick(DIRECTIONS)(pick)}\n\n`;
    parts.push(head);
    size += head.length;
    const speeches = 6 + rng.int(8);
    for (let s = 0; s < speeches; s++) {
      let speech = `${pick(PEOPLE)}:\n`;
      const lines = 1 + rng.int(3);
      for (let l = 0; l < lines; l++) speech += `${pick(LINES)(pick)}\n`;
      if (rng.next() < 0.08) speech += `${pick(DIRECTIONS)(pick)}\n`;
      speech += '\n';
      parts.push(speech);
      size += speech.length;
    }
  }
  return parts.join('');
}
