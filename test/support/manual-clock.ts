import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Time that a test moves: the clock the code reads, and a `sleep` that moves it. Sleeps that overlap move it to
 * the latest of their ends, not to their sum, as real time would.
 */
export class ManualClock {
  private ms: number;

  constructor(startAt: string) {
    this.ms = Date.parse(startAt);
  }

  readonly now = (): Date => new Date(this.ms);

  set(at: string | number): void {
    this.ms = typeof at === "number" ? at : Date.parse(at);
  }

  readonly sleep = async (ms: number): Promise<void> => {
    const until = this.ms + ms;
    await nextTurn();
    this.ms = Math.max(this.ms, until);
  };
}
