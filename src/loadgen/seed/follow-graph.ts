import { zipf } from '../random.js';

/**
 * A follow graph with a power-law in-degree, like real social networks: each
 * user follows about `average` others, picked by Zipf(s=1) over a shuffled
 * ranking of users, so a few "celebrities" get most of the follows (what the
 * hybrid fan-out feed is designed for). No self-follows, no duplicates.
 * Returns [follower, followee] index pairs.
 */
export function followGraph(users: number, average: number, random: () => number): Array<[number, number]> {
  if (users < 2 || average <= 0) return [];
  const ranking = Array.from({ length: users }, (_, i) => i);
  for (let i = users - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ranking[i], ranking[j]] = [ranking[j]!, ranking[i]!];
  }
  const draw = zipf(users, 1, random);
  const edges: Array<[number, number]> = [];
  const cap = Math.min(users - 1, Math.max(1, Math.round(average * 3)));
  for (let follower = 0; follower < users; follower++) {
    // Out-degree varies around the average (uniform 0..2x), capped.
    const count = Math.min(cap, Math.round(random() * 2 * average));
    const chosen = new Set<number>();
    let attempts = 0;
    while (chosen.size < count && attempts++ < count * 20) {
      const followee = ranking[draw()]!;
      if (followee !== follower) chosen.add(followee);
    }
    for (const followee of chosen) edges.push([follower, followee]);
  }
  return edges;
}
