/**
 * A bound on the work of one computation of a trigger's occurrences: one request (a preview, the next fire
 * times, creating or changing a schedule) or one schedule in a scheduling pass. It counts steps, not time, so
 * that the same computation is refused or allowed the same way on any machine and in every test.
 *
 * A step is one unit of the engine's iteration: a next occurrence asked for, a look-up of the pattern, a run of
 * wall times near a DST transition, a month a monthly pattern examines, a day a cron expression's day fields
 * are asked about. Each takes microseconds at most, so a bounded number of steps is a bounded slice of time.
 */
export class StepBudget {
  private spent = 0;

  constructor(readonly limit: number = DEFAULT_STEP_LIMIT) {}

  spend(steps: number): void {
    this.spent += steps;
    if (this.spent > this.limit) throw new StepLimitError(this.limit);
  }

  get stepsSpent(): number {
    return this.spent;
  }
}

/**
 * Enough for every computation a schedule needs in practice: 100 previewed occurrences of an every-minute cron
 * across a DST transition spend about 600 steps, of a yearly cron about 1,600, and a pass that fires 100 catch-up
 * runs of an every-minute cron about 600. On the development machine a computation that spends all of them takes
 * 20-40 ms (about 170 ms the first time, before the JIT has compiled the engine).
 */
export const DEFAULT_STEP_LIMIT = 20_000;

export class StepLimitError extends Error {
  override name = "StepLimitError";

  /** `computed`: how many of the occurrences asked for were found before the bound was hit. */
  constructor(
    readonly limit: number,
    readonly computed = 0,
  ) {
    super(
      `computing its occurrences took more than ${limit.toLocaleString("en-US")} steps, the bound on one ` +
        `computation of a schedule's occurrences${computed === 0 ? "" : ` (${computed} were found within it)`}`,
    );
  }
}
