import { CronExpressionParser } from "cron-parser";
import { ValidationError } from "../errors.js";
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  WEEK_MS,
  dayNumberOf,
  firstDayOfMonthIndex,
  monthIndexOfDay,
  weekdayOfDay,
} from "./calendar.js";
import { parseDateTimeText } from "./date-time-text.js";
import { StepBudget, StepLimitError } from "./step-budget.js";
import { MAX_ZONE_OFFSET_MS, zoneOf, type Zone } from "./time-zones.js";
import type { CronTrigger, RecurrenceTrigger, TimeTrigger } from "./trigger-schema.js";
import { isPatterned, WEEK_DAYS } from "./trigger-schema.js";
import {
  CronWallTimes,
  DaysOfNthMonth,
  EveryNthDay,
  MonthlySteppedWallTimes,
  PatternedWallTimes,
  SteppedWallTimes,
  WeekDaysOfNthWeek,
  type DaySelector,
  type WallTimes,
} from "./wall-times.js";

export interface OccurrenceSequence {
  /** The first fire instant strictly after afterMs (epoch ms), or undefined when none (ended / never matches). */
  nextAfter(afterMs: number): number | undefined;
}

/** Nothing fires after the last instant that ISO 8601 text (and so the API) can carry with a 4-digit year. */
const LATEST_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Around an instant, DST transitions within this distance can make a wall time map out of order (a gap
 * pushes 02:30 to 03:30, after 03:00) or twice (a fold). No transition shifts the offset by a day or more.
 */
const TRANSITION_WINDOW_MS = 25 * HOUR_MS;

/** Minute and Hour recurrences: `start + k × step`, exact durations that ignore DST (CONTRACT 2.1 rule 1). */
class ExactDurationOccurrences implements OccurrenceSequence {
  constructor(
    private readonly startMs: number,
    private readonly stepMs: number,
    private readonly lowestAfterMs: number,
    private readonly endMs: number,
    private readonly budget: StepBudget,
  ) {}

  nextAfter(afterMs: number): number | undefined {
    this.budget.spend(1);
    const after = afterMs > this.lowestAfterMs ? afterMs : this.lowestAfterMs;
    const next =
      after < this.startMs
        ? this.startMs
        : this.startMs + (Math.floor((after - this.startMs) / this.stepMs) + 1) * this.stepMs;
    return next <= this.endMs ? next : undefined;
  }
}

/**
 * `minutes` with frequency Hour (CONTRACT 2.1, the aliases of Data Factory): those minutes of every interval-th
 * hour, counted from the hour that contains startTime (or the creation). Hours are exact durations, as for every
 * Hour recurrence, so DST neither skips nor repeats one.
 */
class MinutesOfNthHourOccurrences implements OccurrenceSequence {
  constructor(
    private readonly anchorHourMs: number,
    private readonly periodMs: number,
    private readonly minuteOffsetsMs: readonly number[],
    private readonly lowestAfterMs: number,
    private readonly endMs: number,
    private readonly budget: StepBudget,
  ) {}

  nextAfter(afterMs: number): number | undefined {
    this.budget.spend(1);
    const after = afterMs > this.lowestAfterMs ? afterMs : this.lowestAfterMs;
    let period = Math.max(0, Math.floor((after - this.anchorHourMs) / this.periodMs));
    // The first candidate after `after` is in the period containing it or in the next one.
    for (; ; period++) {
      const hourMs = this.anchorHourMs + period * this.periodMs;
      for (const offsetMs of this.minuteOffsetsMs) {
        const candidate = hourMs + offsetMs;
        if (candidate > after) return candidate <= this.endMs ? candidate : undefined;
      }
    }
  }
}

interface WallTimeOptions {
  /** Nothing at or before this instant fires (activation, and a patterned startTime). */
  lowestAfterMs: number;
  endMs: number;
  /** The occurrence that is the instant itself rather than a mapped wall time (a simple recurrence's start). */
  fixedFirstMs: number | undefined;
  /** Wall times below this are not candidates (the start's own wall time, when it is fixedFirstMs). */
  lowestWallMs: number;
  /** Cron expressions that fire every hour also fire in the repeated hour of a fold (CONTRACT 2.1 rule 3). */
  firesInRepeatedHour: boolean;
  budget: StepBudget;
}

/**
 * Occurrences defined by wall times in a zone. A wall time in a DST gap fires the gap's length later
 * (02:30 becomes 03:30), one in a fold at its first occurrence, so near a transition the mapping is
 * not monotone; the slow path then walks the runs of wall times that map by one offset (Zone.wallRunAt),
 * with one look-up of the pattern per run, never one per wall time.
 */
class WallTimeOccurrences implements OccurrenceSequence {
  private readonly lowestAfterMs: number;
  private readonly endMs: number;
  private readonly fixedFirstMs: number | undefined;
  private readonly lowestWallMs: number;
  private readonly firesInRepeatedHour: boolean;
  private readonly budget: StepBudget;
  /** The last look-up: the first wall time at or after `lookedUpFromMs` is `lookedUpWallMs` (none: undefined). */
  private lookedUpFromMs = Number.NaN;
  private lookedUpWallMs: number | undefined;

  constructor(
    private readonly zone: Zone,
    private readonly wallTimes: WallTimes,
    options: WallTimeOptions,
  ) {
    this.lowestAfterMs = options.lowestAfterMs;
    this.endMs = options.endMs;
    this.fixedFirstMs = options.fixedFirstMs;
    this.lowestWallMs = options.lowestWallMs;
    this.firesInRepeatedHour = options.firesInRepeatedHour;
    this.budget = options.budget;
  }

  nextAfter(afterMs: number): number | undefined {
    this.budget.spend(1);
    const after = afterMs > this.lowestAfterMs ? afterMs : this.lowestAfterMs;
    if (after >= this.endMs) return undefined;
    const next =
      this.fixedFirstMs !== undefined && after < this.fixedFirstMs
        ? this.fixedFirstMs
        : this.firstMappedAfter(after);
    return next !== undefined && next <= this.endMs ? next : undefined;
  }

  /** The first matching wall time at or after wallMs; repeated look-ups of one stretch are answered from the last. */
  private firstWallAtOrAfter(wallMs: number): number | undefined {
    const from = Math.max(wallMs, this.lowestWallMs);
    const last = this.lookedUpWallMs;
    if (from >= this.lookedUpFromMs && (last === undefined || from <= last)) return last;
    this.budget.spend(1);
    const found = this.wallTimes.firstAtOrAfter(from);
    this.lookedUpFromMs = from;
    this.lookedUpWallMs = found;
    return found;
  }

  private firstMappedAfter(after: number): number | undefined {
    const zone = this.zone;
    const wall = this.firstWallAtOrAfter(Math.floor(zone.wallAt(after)) + 1);
    const candidate = wall === undefined ? undefined : zone.instantOfWall(wall);
    // With no transition near `after`, no earlier wall time maps after it; with none near the candidate, no later
    // one maps before it. Transitions in between do not matter: the mapping is monotone away from them.
    if (
      (candidate === undefined || candidate > after) &&
      zone.transitionShiftWithin(after - TRANSITION_WINDOW_MS, after + TRANSITION_WINDOW_MS) === 0 &&
      (candidate === undefined ||
        zone.transitionShiftWithin(candidate - TRANSITION_WINDOW_MS, candidate + TRANSITION_WINDOW_MS) === 0)
    ) {
      return candidate;
    }
    return this.firstMappedAfterNearTransition(after);
  }

  /**
   * The earliest instant after `after` of any matching wall time, run by run from the lowest wall time that can
   * map after it. In a run every wall time maps by one offset, so the first wall time whose instant is after
   * `after` is the run's best; a look-up that lands beyond the run skips the runs in between, which hold none.
   */
  private firstMappedAfterNearTransition(after: number): number | undefined {
    const zone = this.zone;
    let best = Number.POSITIVE_INFINITY;
    let wall = Math.max(after - MAX_ZONE_OFFSET_MS, this.lowestWallMs);
    // Wall times from `wall` on map to instants of at least wall - MAX_ZONE_OFFSET_MS.
    while (wall - MAX_ZONE_OFFSET_MS < best && wall - MAX_ZONE_OFFSET_MS <= this.endMs) {
      this.budget.spend(1);
      const run = zone.wallRunAt(wall);
      const offsets =
        this.firesInRepeatedHour && run.secondOffsetMs !== undefined
          ? [run.firstOffsetMs, run.secondOffsetMs]
          : [run.firstOffsetMs];
      let nextWall = run.endWallMs;
      let exhausted = false;
      for (const offsetMs of offsets) {
        // Wall w of this run maps to w - offsetMs, which is after `after` from after + 1 + offsetMs on.
        const from = Math.max(wall, after + 1 + offsetMs);
        if (wall - offsetMs >= best || from >= run.endWallMs) continue;
        const found = this.firstWallAtOrAfter(from);
        if (found === undefined) {
          exhausted = true;
        } else if (found < run.endWallMs) {
          best = Math.min(best, found - offsetMs);
        } else {
          // No wall time in [from, found), so none in the runs before `found` either.
          nextWall = Math.max(nextWall, found);
        }
      }
      if (exhausted || nextWall === Number.POSITIVE_INFINITY) break;
      wall = nextWall;
    }
    return best === Number.POSITIVE_INFINITY ? undefined : best;
  }
}

/** A startTime / endTime as an instant; a local text maps by the zone's DST rule (CONTRACT 2.1 rule 3). */
function instantOfText(text: string, zone: Zone, field: string): { instantMs: number; wallMs: number } {
  const parsed = parseDateTimeText(text);
  if (parsed === undefined) throw ValidationError.single(`trigger.${field}`, "is not a valid date and time");
  if (parsed.kind === "absolute")
    return { instantMs: parsed.instantMs, wallMs: zone.wallAt(parsed.instantMs) };
  return { instantMs: zone.instantOfWall(parsed.wallMs), wallMs: parsed.wallMs };
}

function sortedNumbers(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function weekdayIndex(name: (typeof WEEK_DAYS)[number]): number {
  return WEEK_DAYS.indexOf(name);
}

/** The candidate times of day (ms after local midnight) of a patterned recurrence, ascending. */
function timesOfDay(trigger: RecurrenceTrigger, anchorWallMs: number): number[] {
  const anchorTime = anchorWallMs - dayNumberOf(anchorWallMs) * DAY_MS;
  let hours = [Math.floor(anchorTime / HOUR_MS)];
  let minutes = [Math.floor((anchorTime % HOUR_MS) / MINUTE_MS)];
  if (trigger.timeOfDay !== undefined) {
    hours = [Number(trigger.timeOfDay.slice(0, 2))];
    minutes = [Number(trigger.timeOfDay.slice(3, 5))];
  }
  if (trigger.hours !== undefined) hours = trigger.hours;
  if (trigger.minutes !== undefined) minutes = trigger.minutes;
  const times: number[] = [];
  for (const hour of hours) for (const minute of minutes) times.push(hour * HOUR_MS + minute * MINUTE_MS);
  return sortedNumbers(times);
}

function patternedDays(trigger: RecurrenceTrigger, anchorDay: number, budget: StepBudget): DaySelector {
  switch (trigger.frequency) {
    case "Week": {
      const weekdays = trigger.weekDays?.map(weekdayIndex) ?? [weekdayOfDay(anchorDay)];
      return new WeekDaysOfNthWeek(anchorDay, trigger.interval, weekdays);
    }
    case "Month": {
      const occurrences = (trigger.monthlyOccurrences ?? []).map((rule) => ({
        weekday: weekdayIndex(rule.day),
        occurrence: rule.occurrence,
      }));
      const monthDays =
        trigger.monthDays ?? (trigger.monthlyOccurrences === undefined ? [dayOfMonthOfDay(anchorDay)] : []);
      return new DaysOfNthMonth(anchorDay, trigger.interval, sortedNumbers(monthDays), occurrences, budget);
    }
    default:
      return new EveryNthDay(anchorDay, trigger.interval);
  }
}

function dayOfMonthOfDay(dayNumber: number): number {
  return dayNumber - firstDayOfMonthIndex(monthIndexOfDay(dayNumber)) + 1;
}

function compileRecurrence(
  trigger: RecurrenceTrigger,
  zone: Zone,
  activatedMs: number,
  endMs: number,
  budget: StepBudget,
): OccurrenceSequence {
  const start =
    trigger.startTime === undefined ? undefined : instantOfText(trigger.startTime, zone, "startTime");
  const startMs = start?.instantMs ?? activatedMs;
  const anchorWallMs = start?.wallMs ?? zone.wallAt(activatedMs);

  if (trigger.frequency === "Hour" && trigger.minutes !== undefined) {
    // The local hour containing the start began this long before it (its minutes, seconds and ms).
    const anchorHourMs = startMs - (((anchorWallMs % HOUR_MS) + HOUR_MS) % HOUR_MS);
    return new MinutesOfNthHourOccurrences(
      anchorHourMs,
      trigger.interval * HOUR_MS,
      sortedNumbers(trigger.minutes).map((minute) => minute * MINUTE_MS),
      // As for every patterned recurrence: strictly after startTime, and not before activation.
      Math.max(startMs, activatedMs - 1),
      endMs,
      budget,
    );
  }
  if (isPatterned(trigger)) {
    const anchorDay = dayNumberOf(anchorWallMs);
    const wallTimes = new PatternedWallTimes(
      patternedDays(trigger, anchorDay, budget),
      timesOfDay(trigger, anchorWallMs),
    );
    // The first run is strictly after startTime (a matching startTime does not fire) and not before activation.
    return new WallTimeOccurrences(zone, wallTimes, {
      lowestAfterMs: Math.max(startMs, activatedMs - 1),
      endMs,
      fixedFirstMs: undefined,
      lowestWallMs: Number.NEGATIVE_INFINITY,
      firesInRepeatedHour: false,
      budget,
    });
  }

  const lowestAfterMs = activatedMs - 1;
  switch (trigger.frequency) {
    case "Minute":
      return new ExactDurationOccurrences(
        startMs,
        trigger.interval * MINUTE_MS,
        lowestAfterMs,
        endMs,
        budget,
      );
    case "Hour":
      return new ExactDurationOccurrences(startMs, trigger.interval * HOUR_MS, lowestAfterMs, endMs, budget);
    default: {
      const wallTimes =
        trigger.frequency === "Month"
          ? new MonthlySteppedWallTimes(anchorWallMs, trigger.interval, budget)
          : new SteppedWallTimes(
              anchorWallMs,
              trigger.interval * (trigger.frequency === "Week" ? WEEK_MS : DAY_MS),
            );
      // k = 0 is startTime itself (even the second pass of a fold); later ones keep its wall clock.
      return new WallTimeOccurrences(zone, wallTimes, {
        lowestAfterMs,
        endMs,
        fixedFirstMs: startMs,
        lowestWallMs: anchorWallMs + 1,
        firesInRepeatedHour: false,
        budget,
      });
    }
  }
}

/** The hour field is `*` or a step: cron-parser then also fires in the repeated hour of a fold. */
function cronFiresEveryHour(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  const hourField = fields[fields.length === 6 ? 2 : 1] ?? "*";
  return hourField === "*" || hourField.includes("/");
}

function compileCron(
  trigger: CronTrigger,
  zone: Zone,
  activatedMs: number,
  endMs: number,
  budget: StepBudget,
): OccurrenceSequence {
  const startMs =
    trigger.startTime === undefined
      ? activatedMs
      : instantOfText(trigger.startTime, zone, "startTime").instantMs;
  // Parsed in UTC, the expression walks wall-clock fields; the zone maps them to instants.
  const expression = CronExpressionParser.parse(trigger.expression, { currentDate: new Date(0), tz: "UTC" });
  return new WallTimeOccurrences(zone, new CronWallTimes(expression, budget), {
    // Instants at or after startTime fire (CONTRACT 2.2), and none before activation.
    lowestAfterMs: Math.max(startMs, activatedMs) - 1,
    endMs,
    fixedFirstMs: undefined,
    lowestWallMs: Number.NEGATIVE_INFINITY,
    firesInRepeatedHour: cronFiresEveryHour(trigger.expression),
    budget,
  });
}

/**
 * Compiles once (parse times, resolve zone, sort sets) so that nextAfter is fast. Every nextAfter spends from
 * `budget`, and throws StepLimitError once it is spent: one budget is one computation (a request, or one
 * schedule in a scheduling pass).
 */
export function compileOccurrences(
  trigger: TimeTrigger,
  activatedAt: Date,
  budget: StepBudget = new StepBudget(),
): OccurrenceSequence {
  const zone = zoneOf(trigger.timeZone ?? "UTC");
  const activatedMs = activatedAt.getTime();
  const endMs =
    trigger.endTime === undefined
      ? LATEST_INSTANT_MS
      : Math.min(instantOfText(trigger.endTime, zone, "endTime").instantMs, LATEST_INSTANT_MS);
  return trigger.type === "cron"
    ? compileCron(trigger, zone, activatedMs, endMs, budget)
    : compileRecurrence(trigger, zone, activatedMs, endMs, budget);
}

/** Up to `count` instants strictly after `after`, ascending. */
export function nextOccurrences(
  trigger: TimeTrigger,
  activatedAt: Date,
  after: Date,
  count: number,
  budget: StepBudget = new StepBudget(),
): Date[] {
  const sequence = compileOccurrences(trigger, activatedAt, budget);
  const instants: Date[] = [];
  let cursor = after.getTime();
  try {
    while (instants.length < count) {
      const next = sequence.nextAfter(cursor);
      if (next === undefined) break;
      instants.push(new Date(next));
      cursor = next;
    }
  } catch (error) {
    if (!(error instanceof StepLimitError)) throw error;
    throw new StepLimitError(error.limit, instants.length);
  }
  return instants;
}

/** The first occurrence at or after activatedAt, i.e. nextRunAt right after creation/re-enabling; null if none. */
export function firstOccurrence(
  trigger: TimeTrigger,
  activatedAt: Date,
  budget: StepBudget = new StepBudget(),
): Date | null {
  const next = compileOccurrences(trigger, activatedAt, budget).nextAfter(activatedAt.getTime() - 1);
  return next === undefined ? null : new Date(next);
}
