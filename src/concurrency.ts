/** Runs `action` over `items` with at most `concurrency` of them under way at once; rejects with the first failure. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  action: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await action(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Runs `action` on every item at once, each as if it came alone; once all are done, rejects with the first failure,
 * else answers their results in order. For the items of one queue message (runs, follow-up reads): one that fails
 * fails the message, but only after the others were handled.
 */
export async function settleEach<T, R>(items: readonly T[], action: (item: T) => Promise<R>): Promise<R[]> {
  const outcomes = await Promise.allSettled(items.map(action));
  const failed = outcomes.find((outcome) => outcome.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<R>).value);
}

/**
 * A function that runs `work` on the next microtask, once however often it is called until then: the calls of one
 * synchronous burst share one run (the group commits of runs/partition-write-batcher.ts and state/grouped-sends.ts).
 */
export function onNextMicrotask(work: () => void): () => void {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      work();
    });
  };
}
