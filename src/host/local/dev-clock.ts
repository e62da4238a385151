/**
 * The local host's clock of simulated time (CONTRACT 5): real time until the first `/dev/tick`, then the instant
 * the last tick ran as of, plus the real time since. The sandbox's pipeline runs take their time on it
 * (`sandbox_duration_minutes`), so that moving time with `/dev/tick` moves them along too.
 */
export class DevClock {
  private offsetMs = 0;

  constructor(private readonly realNowMs: () => number = Date.now) {}

  readonly now = (): Date => new Date(this.realNowMs() + this.offsetMs);

  /** From now on, time goes on from `instant` (which may be earlier than the clock's time). */
  moveTo(instant: Date): void {
    this.offsetMs = instant.getTime() - this.realNowMs();
  }
}
