/**
 * "Did you mean ...?" suggestions for misspelled option and command names, in the spirit of
 * Python's `difflib.get_close_matches` (which mitmproxy uses for the same purpose).
 */

/** Levenshtein distance, O(a*b) time, O(b) memory. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost));
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Up to `n` candidates close to `word`, closest first: at least 60% alike (edit distance at
 * most 40% of the longer name, like difflib's default cutoff), or containing the word as a
 * substring.
 */
export function closeMatches(word: string, candidates: Iterable<string>, n = 3): string[] {
  const scored: { name: string; score: number }[] = [];
  for (const name of candidates) {
    const score = editDistance(word, name) / Math.max(word.length, name.length, 1);
    if (score <= 0.4 || (word.length >= 3 && name.includes(word))) scored.push({ name, score });
  }
  scored.sort((x, y) => x.score - y.score || x.name.localeCompare(y.name));
  return scored.slice(0, n).map((s) => s.name);
}

/** `' (did you mean "a" or "b"?)'`, or `""` when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const matches = closeMatches(word, candidates).map((m) => `"${m}"`);
  if (matches.length === 0) return "";
  const list = matches.length === 1
    ? matches[0]
    : `${matches.slice(0, -1).join(", ")} or ${matches[matches.length - 1]}`;
  return ` (did you mean ${list}?)`;
}
