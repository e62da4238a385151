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
import { zoneOf, type Zone } from "./time-zones.js";
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
  ) {}

  nextAfter(afterMs: number): number | undefined {
    const after = afterMs > this.lowestAfterMs ? afterMs : this.lowestAfterMs;
    const next =
      after < this.startMs
        ? this.startMs
        : this.startMs + (Math.floor((after - this.startMs) / this.stepMs) + 1) * this.stepMs;
    return next <= this.endMs ? next : undefined;
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
}

/**
 * Occurrences defined by wall times in a zone. A wall time in a DST gap fires the gap's length later
 * (02:30 becomes 03:30), one in a fold at its first occurrence, so near a transition the mapping is
 * not monotone; the slow path then looks at every wall time that can map near `after`.
 */
class WallTimeOccurrences implements OccurrenceSequence {
  private readonly lowestAfterMs: number;
  private readonly endMs: number;
  private readonly fixedFirstMs: number | undefined;
  private readonly lowestWallMs: number;
  private readonly firesInRepeatedHour: boolean;

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
  }

  nextAfter(afterMs: number): number | undefined {
    const after = afterMs > this.lowestAfterMs ? afterMs : this.lowestAfterMs;
    if (after >= this.endMs) return undefined;
    const next =
      this.fixedFirstMs !== undefined && after < this.fixedFirstMs
        ? this.fixedFirstMs
        : this.firstMappedAfter(after);
    return next !== undefined && next <= this.endMs ? next : undefined;
  }

  private firstMappedAfter(after: number): number | undefined {
    const zone = this.zone;
    const wallAfter = zone.wallAt(after);
    const wall = this.wallTimes.firstAtOrAfter(Math.max(Math.floor(wallAfter) + 1, this.lowestWallMs));
    const candidate = wall === undefined ? undefined : zone.instantOfWall(wall);
    const rangeEnd =
      (candidate !== undefined && candidate > after ? candidate : after) + TRANSITION_WINDOW_MS;
    const shift = zone.transitionShiftWithin(after - TRANSITION_WINDOW_MS, rangeEnd);
    // No transition between `after` and the candidate: wall time and instant differ by one fixed offset.
    if (shift === 0 && (candidate === undefined || candidate > after)) return candidate;
    return this.firstMappedAfterNearTransition(after, wallAfter, shift, rangeEnd);
  }

  private firstMappedAfterNearTransition(
    after: number,
    wallAfter: number,
    initialShift: number,
    initialRangeEnd: number,
  ): number | undefined {
    const zone = this.zone;
    let shift = initialShift;
    let rangeEnd = initialRangeEnd;
    let best = Number.POSITIVE_INFINITY;
    // A wall time maps with an offset at most `shift` away from the offset at `after`.
    let wall = this.wallTimes.firstAtOrAfter(Math.max(wallAfter - shift, this.lowestWallMs));
    let stopWall = Number.POSITIVE_INFINITY;
    while (wall !== undefined && wall <= stopWall) {
      const first = zone.instantOfWall(wall);
      if (first > after && first < best) best = first;
      if (this.firesInRepeatedHour) {
        const second = zone.secondInstantOfWall(wall);
        if (second !== undefined && second > after && second < best) best = second;
      }
      if (best !== Number.POSITIVE_INFINITY) {
        if (best > rangeEnd) {
          shift = Math.max(shift, zone.transitionShiftWithin(rangeEnd, best + TRANSITION_WINDOW_MS));
          rangeEnd = best + TRANSITION_WINDOW_MS;
        }
        // Later wall times map to instants at least (wall - shift - offset), so none beats `best` past this.
        stopWall = zone.wallAt(best) + shift;
      }
      wall = this.wallTimes.firstAtOrAfter(wall + 1);
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

function patternedDays(trigger: RecurrenceTrigger, anchorDay: number): DaySelector {
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
      return new DaysOfNthMonth(anchorDay, trigger.interval, sortedNumbers(monthDays), occurrences);
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
): OccurrenceSequence {
  const start =
    trigger.startTime === undefined ? undefined : instantOfText(trigger.startTime, zone, "startTime");
  const startMs = start?.instantMs ?? activatedMs;
  const anchorWallMs = start?.wallMs ?? zone.wallAt(activatedMs);

  if (isPatterned(trigger)) {
    const anchorDay = dayNumberOf(anchorWallMs);
    const wallTimes = new PatternedWallTimes(
      patternedDays(trigger, anchorDay),
      timesOfDay(trigger, anchorWallMs),
    );
    // The first run is strictly after startTime (a matching startTime does not fire) and not before activation.
    return new WallTimeOccurrences(zone, wallTimes, {
      lowestAfterMs: Math.max(startMs, activatedMs - 1),
      endMs,
      fixedFirstMs: undefined,
      lowestWallMs: Number.NEGATIVE_INFINITY,
      firesInRepeatedHour: false,
    });
  }

  const lowestAfterMs = activatedMs - 1;
  switch (trigger.frequency) {
    case "Minute":
      return new ExactDurationOccurrences(startMs, trigger.interval * MINUTE_MS, lowestAfterMs, endMs);
    case "Hour":
      return new ExactDurationOccurrences(startMs, trigger.interval * HOUR_MS, lowestAfterMs, endMs);
    default: {
      const wallTimes =
        trigger.frequency === "Month"
          ? new MonthlySteppedWallTimes(anchorWallMs, trigger.interval)
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
): OccurrenceSequence {
  const startMs =
    trigger.startTime === undefined
      ? activatedMs
      : instantOfText(trigger.startTime, zone, "startTime").instantMs;
  // Parsed in UTC, the expression walks wall-clock fields; the zone maps them to instants.
  const expression = CronExpressionParser.parse(trigger.expression, { currentDate: new Date(0), tz: "UTC" });
  return new WallTimeOccurrences(zone, new CronWallTimes(expression), {
    // Instants at or after startTime fire (CONTRACT 2.2), and none before activation.
    lowestAfterMs: Math.max(startMs, activatedMs) - 1,
    endMs,
    fixedFirstMs: undefined,
    lowestWallMs: Number.NEGATIVE_INFINITY,
    firesInRepeatedHour: cronFiresEveryHour(trigger.expression),
  });
}

/** Compiles once (parse times, resolve zone, sort sets) so that nextAfter is fast. */
export function compileOccurrences(trigger: TimeTrigger, activatedAt: Date): OccurrenceSequence {
  const zone = zoneOf(trigger.timeZone ?? "UTC");
  const activatedMs = activatedAt.getTime();
  const endMs =
    trigger.endTime === undefined
      ? LATEST_INSTANT_MS
      : Math.min(instantOfText(trigger.endTime, zone, "endTime").instantMs, LATEST_INSTANT_MS);
  return trigger.type === "cron"
    ? compileCron(trigger, zone, activatedMs, endMs)
    : compileRecurrence(trigger, zone, activatedMs, endMs);
}

/** Up to `count` instants strictly after `after`, ascending. */
export function nextOccurrences(trigger: TimeTrigger, activatedAt: Date, after: Date, count: number): Date[] {
  const sequence = compileOccurrences(trigger, activatedAt);
  const instants: Date[] = [];
  let cursor = after.getTime();
  while (instants.length < count) {
    const next = sequence.nextAfter(cursor);
    if (next === undefined) break;
    instants.push(new Date(next));
    cursor = next;
  }
  return instants;
}

/** The first occurrence at or after activatedAt, i.e. nextRunAt right after creation/re-enabling; null if none. */
export function firstOccurrence(trigger: TimeTrigger, activatedAt: Date): Date | null {
  const next = compileOccurrences(trigger, activatedAt).nextAfter(activatedAt.getTime() - 1);
  return next === undefined ? null : new Date(next);
}
