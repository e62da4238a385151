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
 * Enough for every computation a schedule needs in practice: 100 previewed occurrences of a yearly schedule
 * spend about 1,300 steps, a pass firing a minute schedule with 100 catch-up runs about 7,000 (cron: 10 times
 * that per look-up). On the development machine a computation that spends all of them takes well under 200 ms.
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
