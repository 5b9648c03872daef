/**
 * Counting fan-out chunks for the feed benchmark. The service observes a lag
 * sample per delivered chunk (feed_fanout_chunk_lag_seconds); the benchmark
 * knows which chunks are due (every post's active followers, paged the way
 * the fan-out pages them) and, at the end of a phase, which are not
 * delivered yet. An unfinished chunk counts with lag = end − publish time.
 */
export interface DueChunk {
  articleId: number;
  /** ms since the epoch (the event's publishedAt, the article's created_at). */
  publishedAt: number;
  /** The first follower of the chunk: one Lua call writes the whole chunk, so its timeline tells for all. */
  firstFollower: number;
}

/**
 * Lags (seconds) of the chunks not delivered at `endMs`. `observedByEnd` is
 * the histogram's sample count at the end scrape; `undelivered` are the chunks
 * found missing when the timelines were read just after that scrape (so they
 * surely were missing at the end). Chunks delivered between the scrape and the
 * read are in neither: their number is due − observed − undelivered, and they
 * are taken as the newest-published of those found delivered (fan-out runs
 * roughly in publish order), so every due chunk is counted once.
 */
export function unfinishedLags(due: readonly DueChunk[], undelivered: ReadonlySet<DueChunk>, observedByEnd: number, endMs: number): number[] {
  const lag = (c: DueChunk) => Math.max(0, endMs - c.publishedAt) / 1000;
  const lags = [...undelivered].map(lag);
  const missing = due.length - observedByEnd - undelivered.size;
  if (missing > 0) {
    const delivered = due.filter((c) => !undelivered.has(c)).sort((a, b) => b.publishedAt - a.publishedAt);
    for (const c of delivered.slice(0, missing)) lags.push(lag(c));
  }
  return lags;
}
