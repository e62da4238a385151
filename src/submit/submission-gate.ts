import { MAX_RETRY_AFTER_MS } from "./retry-policy.js";

/**
 * The gate every POST of this instance passes (issue 15): at most `maxInFlight` POSTs at once, and a 429 slows
 * the whole instance, not only the run that got it. The run itself is retried as CONTRACT 3 says; the gate makes
 * every other submission of the instance wait out the `Retry-After` too, and halves how many POSTs it lets out
 * at once, growing back by one for every window of answers that were not throttled (additive increase,
 * multiplicative decrease, as TCP congestion control does, RFC 5681 3.1). A throttled endpoint thus sees the
 * instance's rate fall at once and come back gradually, and no submission is dropped: one that would wait longer
 * than `maxWaitMs` is postponed, and the worker puts its message back on the queue for when the pause ends.
 *
 * Pure but for the clock and the timer it is given, so that tests drive it with fixed instants.
 */

export type GateSignal = { kind: "throttled"; retryAfterMs: number | null } | { kind: "answered" };

export type GateEntry =
  { kind: "admitted"; release(signal: GateSignal): void } | { kind: "postponed"; untilMs: number };

export interface SubmissionGateOptions {
  /** POSTs in flight at most (SUBMIT_CONCURRENCY). */
  maxInFlight: number;
  clock: () => Date;
  /** Resolves after `ms`: setTimeout outside tests. */
  sleep: (ms: number) => Promise<void>;
  /** A pause longer than this is not waited out in the worker: the submission is postponed instead. */
  maxWaitMs?: number;
  /** How long a 429 without a usable `Retry-After` pauses the instance. */
  defaultPauseMs?: number;
}

export const GATE_MAX_WAIT_MS = 20_000;
export const GATE_DEFAULT_PAUSE_MS = 2_000;

export class SubmissionGate {
  private readonly maxInFlight: number;
  private readonly maxWaitMs: number;
  private readonly defaultPauseMs: number;
  private inFlight = 0;
  /** How many POSTs may be in flight now: between 1 and maxInFlight, fractional while it grows back. */
  private window: number;
  private pausedUntilMs = Number.NEGATIVE_INFINITY;
  /** When the window was last halved: a 429 to a POST let out before then is part of the same episode. */
  private lastHalvingMs = Number.NEGATIVE_INFINITY;
  private wakeScheduled = false;
  private readonly waiting: ((entry: GateEntry) => void)[] = [];

  constructor(private readonly options: SubmissionGateOptions) {
    if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1) {
      throw new RangeError(`maxInFlight must be a whole number >= 1, not ${options.maxInFlight}`);
    }
    this.maxInFlight = options.maxInFlight;
    this.window = options.maxInFlight;
    this.maxWaitMs = options.maxWaitMs ?? GATE_MAX_WAIT_MS;
    this.defaultPauseMs = options.defaultPauseMs ?? GATE_DEFAULT_PAUSE_MS;
  }

  /** What the gate looks like now, for tests and log lines. */
  state(): { inFlight: number; window: number; waiting: number; pausedUntil: Date | null } {
    const now = this.nowMs();
    return {
      inFlight: this.inFlight,
      window: Math.floor(this.window),
      waiting: this.waiting.length,
      pausedUntil: this.pausedUntilMs > now ? new Date(this.pausedUntilMs) : null,
    };
  }

  /** Waits for a free place and for any pause to end; or says until when to postpone, if the pause is long. */
  acquire(): Promise<GateEntry> {
    if (this.pausedUntilMs - this.nowMs() > this.maxWaitMs) {
      return Promise.resolve({ kind: "postponed", untilMs: this.pausedUntilMs });
    }
    return new Promise<GateEntry>((resolve) => {
      this.waiting.push(resolve);
      this.admit();
    });
  }

  private admit(): void {
    if (this.pausedUntilMs > this.nowMs()) {
      this.wakeAfterPause();
      return;
    }
    while (this.waiting.length > 0 && this.inFlight < Math.floor(this.window)) {
      const resolve = this.waiting.shift();
      this.inFlight++;
      resolve?.(this.admitted(this.nowMs()));
    }
  }

  private wakeAfterPause(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    void this.options.sleep(Math.max(0, this.pausedUntilMs - this.nowMs())).then(() => {
      this.wakeScheduled = false;
      this.admit();
    });
  }

  private admitted(admittedAtMs: number): GateEntry {
    let released = false;
    return {
      kind: "admitted",
      release: (signal) => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.observe(signal, admittedAtMs);
        this.admit();
      },
    };
  }

  private observe(signal: GateSignal, admittedAtMs: number): void {
    if (signal.kind === "answered") {
      // An answer to a POST let out before the last halving says nothing about the halved rate.
      if (admittedAtMs > this.lastHalvingMs) {
        this.window = Math.min(this.maxInFlight, this.window + 1 / Math.floor(this.window));
      }
      return;
    }
    const now = this.nowMs();
    const pauseMs = Math.min(Math.max(0, signal.retryAfterMs ?? this.defaultPauseMs), MAX_RETRY_AFTER_MS);
    this.pausedUntilMs = Math.max(this.pausedUntilMs, now + pauseMs);
    if (admittedAtMs > this.lastHalvingMs) {
      this.window = Math.max(1, Math.floor(this.window / 2));
      this.lastHalvingMs = now;
    }
    if (this.pausedUntilMs - now > this.maxWaitMs) {
      // Nobody waits that long in a worker: every waiting submission goes back to the queue until then.
      for (const resolve of this.waiting.splice(0))
        resolve({ kind: "postponed", untilMs: this.pausedUntilMs });
    }
  }

  private nowMs(): number {
    return this.options.clock().getTime();
  }
}

/** What an outcome of a POST tells the gate: only a 429 is throttling (RFC 6585 4). */
export function gateSignalOf(outcome: {
  kind: string;
  httpStatus: number | null;
  retryAfterMs?: number | null;
}): GateSignal {
  return outcome.kind === "retryable" && outcome.httpStatus === 429
    ? { kind: "throttled", retryAfterMs: outcome.retryAfterMs ?? null }
    : { kind: "answered" };
}
