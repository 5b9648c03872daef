/** Picks one of several choices by weight (weights need not sum to 1). */
export function weighted<T>(choices: ReadonlyArray<readonly [number, T]>, random: () => number): () => T {
  const total = choices.reduce((s, [w]) => s + w, 0);
  return () => {
    let u = random() * total;
    for (const [w, value] of choices) {
      if ((u -= w) < 0) return value;
    }
    return choices.at(-1)![1];
  };
}
