/** Near-miss suggestions for names a user mistyped (options, flags, commands). */

/** The name in `names` nearest to `word` by edit distance, if it is a plausible typo; else ''. */
export function closest(word: string, names: readonly string[]): string {
  let best = '';
  let bestDistance = Infinity;
  for (const n of names) {
    const d = editDistance(word, n);
    if (d < bestDistance) {
      bestDistance = d;
      best = n;
    }
  }
  return best && bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : '';
}

/** Edit distance with adjacent transpositions (optimal string alignment): 'trian' → 'train' is 1. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
