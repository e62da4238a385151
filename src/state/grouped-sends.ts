import { onNextMicrotask } from "../concurrency.js";

/**
 * Group commit for queue messages: items added while an earlier send is under way, with the same visibility delay
 * (whole seconds), go out together, up to `maxPerMessage` in a message. A lone item goes at once, alone; each
 * caller's promise settles when the message that holds its item is sent (or failed to be). One send at a time by
 * default: with four, a pass of 2,500 claims shared few messages, and its workers took 58 s instead of 39 s
 * (Azurite, whose every message delete re-sorts its index of all messages, counts messages, not items; Azure bills
 * them). The run queue (runs/run-queue.ts) and the follow-up queue (following/follow-up-queue.ts) send through it.
 */
export class GroupedSends<Item> {
  private readonly waiting = new Map<number, WaitingItem<Item>[]>();
  private sendsInFlight = 0;
  /** On the next microtask, so that the items of one synchronous burst share a message. */
  private readonly scheduleFlush = onNextMicrotask(() => this.flush());

  constructor(
    private readonly send: (items: Item[], visibilityTimeout: number) => Promise<void>,
    private readonly maxPerMessage: number,
    private readonly maxSendsInFlight = 1,
  ) {}

  add(item: Item, visibilityTimeout: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const group = this.waiting.get(visibilityTimeout) ?? [];
      group.push({ item, resolve, reject });
      this.waiting.set(visibilityTimeout, group);
      this.scheduleFlush();
    });
  }

  private flush(): void {
    while (this.sendsInFlight < this.maxSendsInFlight) {
      // The delay whose items have waited longest: Map keeps insertion order, and an emptied group is removed.
      const next = this.waiting.entries().next();
      if (next.done === true) return;
      const [visibilityTimeout, group] = next.value;
      const batch = group.splice(0, this.maxPerMessage);
      if (group.length === 0) this.waiting.delete(visibilityTimeout);
      this.sendsInFlight++;
      this.send(
        batch.map((waiting) => waiting.item),
        visibilityTimeout,
      )
        .then(
          () => batch.forEach((waiting) => waiting.resolve()),
          (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
        )
        .finally(() => {
          this.sendsInFlight--;
          this.flush();
        });
    }
  }
}

interface WaitingItem<Item> {
  item: Item;
  resolve(): void;
  reject(error: unknown): void;
}
