import { randomUUID } from "node:crypto";
// A CommonJS package whose classes Node's ESM loader does not expose as named exports.
import functions, { type Timer } from "@azure/functions";
import { CronExpressionParser } from "cron-parser";
import type { Settings } from "../../settings/settings.js";
import type { TimerTriggerSpec } from "../trigger-list.js";

export interface TimerRunnerOptions {
  /** Where each spec's `scheduleSetting` is read, as Azure resolves `%SCHEDULER_TICK%` from app settings. */
  settings: Pick<Settings, TimerTriggerSpec["scheduleSetting"]>;
  /** Real time by default; this runner is an I/O adapter, the handlers read time from their services. */
  now?: () => Date;
  log?: (line: string) => void;
}

export interface RunningTimers {
  /** Cancels the pending waits and resolves once the runs in progress have finished. */
  stop(): Promise<void>;
}

/** setTimeout's longest delay; longer waits are taken in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** A run that starts later than this after its occurrence is reported as past due, as Azure does. */
const PAST_DUE_AFTER_MS = 1_000;

/**
 * Runs timer specs on their six-field NCRONTAB in UTC, as Azure Functions does. A timer's next occurrence is
 * armed only when its current run has finished, so two runs of one timer never overlap; occurrences that pass
 * while a run is still going are skipped (the Functions timer listener behaves the same way).
 */
export function startTimerRunner(
  specs: readonly TimerTriggerSpec[],
  options: TimerRunnerOptions,
): RunningTimers {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? ((line: string) => console.log(line));
  const timers = specs.map((spec) => runTimer(spec, options.settings[spec.scheduleSetting], now, log));
  return {
    async stop() {
      await Promise.all(timers.map((timer) => timer.stop()));
    },
  };
}

function runTimer(
  spec: TimerTriggerSpec,
  expression: string,
  now: () => Date,
  log: (line: string) => void,
): RunningTimers {
  let stopped = false;
  let pending: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let lastOccurrence: Date | undefined;

  const nextOccurrenceAfter = (after: Date): Date | undefined => {
    try {
      return CronExpressionParser.parse(expression, { currentDate: after, tz: "UTC" }).next().toDate();
    } catch (error) {
      log(`[${spec.name}] the schedule "${expression}" has no next occurrence: ${(error as Error).message}`);
      return undefined;
    }
  };

  const armAfter = (after: Date) => {
    if (stopped) return;
    const occurrence = nextOccurrenceAfter(after);
    if (occurrence !== undefined) waitFor(occurrence);
  };

  const waitFor = (occurrence: Date) => {
    const delay = occurrence.getTime() - now().getTime();
    if (delay > MAX_TIMEOUT_MS) {
      pending = setTimeout(() => waitFor(occurrence), MAX_TIMEOUT_MS);
      return;
    }
    pending = setTimeout(
      () => {
        pending = undefined;
        running = fire(occurrence).finally(() => {
          running = undefined;
          // A timeout may fire a little early; never arm the same occurrence twice.
          const current = now();
          armAfter(current > occurrence ? current : occurrence);
        });
      },
      Math.max(0, delay),
    );
  };

  const fire = async (occurrence: Date) => {
    const startedAt = now();
    const timer: Timer = {
      isPastDue: startedAt.getTime() - occurrence.getTime() > PAST_DUE_AFTER_MS,
      schedule: { adjustForDST: false },
      scheduleStatus: {
        last: (lastOccurrence ?? occurrence).toISOString(),
        next: (nextOccurrenceAfter(occurrence) ?? occurrence).toISOString(),
        lastUpdated: startedAt.toISOString(),
      },
    };
    lastOccurrence = occurrence;
    const context = new functions.InvocationContext({
      invocationId: randomUUID(),
      functionName: spec.name,
      logHandler: (level, ...args) => log(`[${spec.name}] ${level}: ${args.map(String).join(" ")}`),
    });
    try {
      await spec.handler(timer, context);
    } catch (error) {
      log(
        `[${spec.name}] run for ${occurrence.toISOString()} failed: ${(error as Error).stack ?? String(error)}`,
      );
    }
  };

  armAfter(now());
  return {
    async stop() {
      stopped = true;
      if (pending !== undefined) clearTimeout(pending);
      await running;
    },
  };
}
