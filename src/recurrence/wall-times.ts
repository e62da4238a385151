import type { CronExpression } from "cron-parser";
import type { StepBudget } from "./step-budget.js";
import {
  DAY_MS,
  daysInMonthIndex,
  dayNumberOf,
  firstDayOfMonthIndex,
  monthIndexOfDay,
  monthOfMonthIndex,
  weekdayOfDay,
} from "./calendar.js";

/**
 * The wall times (local wall clock encoded as UTC ms) at which a trigger's pattern matches, in
 * ascending order. The DST mapping to instants is done by the caller (occurrences.ts).
 */
export interface WallTimes {
  /**
   * The first matching wall time at or after wallMs, or undefined when none (within the search bound). A
   * look-up that walks the calendar spends a step from its budget per month (or, for cron, per day) it examines.
   */
  firstAtOrAfter(wallMs: number): number | undefined;
}

/** Impossible patterns (Feb 30 in every 12th month) end instead of searching forever. */
export const SEARCH_BOUND_MONTHS = 100 * 12;

/** `anchor + k × step`, k ≥ 0: a simple Day or Week recurrence. */
export class SteppedWallTimes implements WallTimes {
  constructor(
    private readonly anchorWallMs: number,
    private readonly stepMs: number,
  ) {}

  firstAtOrAfter(wallMs: number): number {
    if (wallMs <= this.anchorWallMs) return this.anchorWallMs;
    return this.anchorWallMs + Math.ceil((wallMs - this.anchorWallMs) / this.stepMs) * this.stepMs;
  }
}

/** The anchor's day of month and time of day in every interval-th month; months lacking that day are skipped. */
export class MonthlySteppedWallTimes implements WallTimes {
  private readonly anchorMonth: number;
  private readonly dayOfMonth: number;
  private readonly timeOfDayMs: number;

  constructor(
    anchorWallMs: number,
    private readonly interval: number,
    private readonly budget: StepBudget,
  ) {
    const day = dayNumberOf(anchorWallMs);
    this.anchorMonth = monthIndexOfDay(day);
    this.dayOfMonth = day - firstDayOfMonthIndex(this.anchorMonth) + 1;
    this.timeOfDayMs = anchorWallMs - day * DAY_MS;
  }

  firstAtOrAfter(wallMs: number): number | undefined {
    const elapsedMonths = monthIndexOfDay(dayNumberOf(wallMs)) - this.anchorMonth;
    const firstK = Math.max(0, Math.floor(elapsedMonths / this.interval));
    const lastK = firstK + Math.ceil(SEARCH_BOUND_MONTHS / this.interval) + 1;
    for (let k = firstK; k <= lastK; k++) {
      const month = this.anchorMonth + k * this.interval;
      if (this.dayOfMonth > daysInMonthIndex(month)) continue;
      const candidate = (firstDayOfMonthIndex(month) + this.dayOfMonth - 1) * DAY_MS + this.timeOfDayMs;
      if (candidate >= wallMs) {
        this.budget.spend(k - firstK);
        return candidate;
      }
    }
    this.budget.spend(lastK - firstK);
    return undefined;
  }
}

/** Which calendar days a patterned recurrence allows. */
export interface DaySelector {
  /** The first allowed day number at or after dayNumber, or undefined when none within the search bound. */
  firstDayAtOrAfter(dayNumber: number): number | undefined;
}

/** Every interval-th day counted from the anchor's day (frequency Day). */
export class EveryNthDay implements DaySelector {
  constructor(
    private readonly anchorDay: number,
    private readonly interval: number,
  ) {}

  firstDayAtOrAfter(dayNumber: number): number {
    if (dayNumber <= this.anchorDay) return this.anchorDay;
    const remainder = (dayNumber - this.anchorDay) % this.interval;
    return remainder === 0 ? dayNumber : dayNumber + this.interval - remainder;
  }
}

/** The given weekdays of every interval-th week, weeks starting on Monday, counted from the anchor's week. */
export class WeekDaysOfNthWeek implements DaySelector {
  private readonly anchorMonday: number;
  /** For each weekday (0 = Monday), the offset in the week of the first allowed weekday at or after it, or -1. */
  private readonly nextAllowedOffset: Int8Array;
  private readonly firstAllowedOffset: number;

  constructor(
    anchorDay: number,
    private readonly interval: number,
    weekdays: readonly number[],
  ) {
    this.anchorMonday = anchorDay - weekdayOfDay(anchorDay);
    this.nextAllowedOffset = new Int8Array(7).fill(-1);
    let next = -1;
    for (let weekday = 6; weekday >= 0; weekday--) {
      if (weekdays.includes(weekday)) next = weekday;
      this.nextAllowedOffset[weekday] = next;
    }
    this.firstAllowedOffset = next;
  }

  firstDayAtOrAfter(dayNumber: number): number {
    const fromDay = Math.max(dayNumber, this.anchorMonday);
    const elapsedDays = fromDay - this.anchorMonday;
    let week = Math.floor(elapsedDays / 7);
    let weekday = elapsedDays - week * 7;
    const remainder = week % this.interval;
    if (remainder !== 0) {
      week += this.interval - remainder;
      weekday = 0;
    }
    const offset = this.nextAllowedOffset[weekday] ?? -1;
    if (offset >= 0) return this.anchorMonday + week * 7 + offset;
    return this.anchorMonday + (week + this.interval) * 7 + this.firstAllowedOffset;
  }
}

export interface MonthlyOccurrenceRule {
  /** 0 = Monday … 6 = Sunday */
  weekday: number;
  /** 1…5 (first…fifth) or -1…-5 (last…fifth from last) */
  occurrence: number;
}

/**
 * `monthDays` (negative: counted from the month's end) and `monthlyOccurrences` of every interval-th
 * month counted from the anchor's month (frequency Month). A day a month lacks is skipped.
 */
export class DaysOfNthMonth implements DaySelector {
  private readonly anchorMonth: number;

  constructor(
    anchorDay: number,
    private readonly interval: number,
    private readonly monthDays: readonly number[],
    private readonly occurrences: readonly MonthlyOccurrenceRule[],
    private readonly budget: StepBudget,
  ) {
    this.anchorMonth = monthIndexOfDay(anchorDay);
  }

  firstDayAtOrAfter(dayNumber: number): number | undefined {
    let month = monthIndexOfDay(dayNumber);
    let fromDayOfMonth = dayNumber - firstDayOfMonthIndex(month) + 1;
    if (month < this.anchorMonth) {
      month = this.anchorMonth;
      fromDayOfMonth = 1;
    }
    const remainder = (month - this.anchorMonth) % this.interval;
    if (remainder !== 0) {
      month += this.interval - remainder;
      fromDayOfMonth = 1;
    }
    const searchedMonths = Math.ceil(SEARCH_BOUND_MONTHS / this.interval) + 1;
    for (let i = 0; i < searchedMonths; i++) {
      // Bit d-1 set means day d of the month is allowed; days are 1…31, so the mask fits in 31 bits.
      const allowed = this.allowedDaysMask(month) & ~((1 << (fromDayOfMonth - 1)) - 1);
      if (allowed !== 0) {
        this.budget.spend(i);
        const dayOfMonth = 32 - Math.clz32(allowed & -allowed);
        return firstDayOfMonthIndex(month) + dayOfMonth - 1;
      }
      month += this.interval;
      fromDayOfMonth = 1;
    }
    this.budget.spend(searchedMonths);
    return undefined;
  }

  private allowedDaysMask(month: number): number {
    const length = daysInMonthIndex(month);
    let mask = 0;
    for (const monthDay of this.monthDays) {
      const day = monthDay > 0 ? monthDay : length + 1 + monthDay;
      if (day >= 1 && day <= length) mask |= 1 << (day - 1);
    }
    if (this.occurrences.length > 0) {
      const firstWeekday = weekdayOfDay(firstDayOfMonthIndex(month));
      const lastWeekday = (firstWeekday + length - 1) % 7;
      for (const { weekday, occurrence } of this.occurrences) {
        const day =
          occurrence > 0
            ? 1 + ((weekday - firstWeekday + 7) % 7) + (occurrence - 1) * 7
            : length - ((lastWeekday - weekday + 7) % 7) + (occurrence + 1) * 7;
        if (day >= 1 && day <= length) mask |= 1 << (day - 1);
      }
    }
    return mask;
  }
}

/** The allowed days × the sorted times of day (ms after local midnight) of a patterned recurrence. */
export class PatternedWallTimes implements WallTimes {
  constructor(
    private readonly days: DaySelector,
    private readonly timesOfDayMs: readonly number[],
  ) {}

  firstAtOrAfter(wallMs: number): number | undefined {
    const times = this.timesOfDayMs;
    const day = dayNumberOf(wallMs);
    const allowedDay = this.days.firstDayAtOrAfter(day);
    if (allowedDay === undefined) return undefined;
    if (allowedDay === day) {
      const timeOfDay = wallMs - day * DAY_MS;
      for (let i = 0; i < times.length; i++) {
        const time = times[i] as number;
        if (time >= timeOfDay) return day * DAY_MS + time;
      }
      const laterDay = this.days.firstDayAtOrAfter(day + 1);
      return laterDay === undefined ? undefined : laterDay * DAY_MS + (times[0] as number);
    }
    return allowedDay * DAY_MS + (times[0] as number);
  }
}

/**
 * A cron expression over wall-time ms, the zone's wall clock. The days come from cron-parser's own day rule
 * (`includesDate`, evaluated in UTC, which has no DST), day by day through the months the month field allows;
 * the times of a day come from the second, minute and hour fields. cron-parser's `next()` is not used: it costs
 * ~100 times more than a day's `includesDate` (bench/recurrence.ts), and a day found is kept, so the wall times
 * of one day cost one look-up, not one each.
 */
export class CronWallTimes implements WallTimes {
  private readonly hours: readonly number[];
  private readonly minutes: readonly number[];
  private readonly seconds: readonly number[];
  private readonly firstTimeMs: number;
  /** Indexed by month 1…12. */
  private readonly monthAllowed: readonly boolean[];
  /** A necessary condition for the day fields to match, so that most days are passed over without cron-parser. */
  private readonly dayMayMatch: (dayOfMonth: number, isLastDay: boolean, weekday: number) => boolean;
  /** The last day look-up: the first matching day at or after `lookedUpFromDay` is `matchingDay`. */
  private lookedUpFromDay = Number.NaN;
  private matchingDay: number | undefined;

  constructor(
    private readonly expression: CronExpression,
    private readonly budget: StepBudget,
    private readonly searchMonths = SEARCH_BOUND_MONTHS,
  ) {
    const ascending = (values: readonly (number | string)[]) => values.map(Number).sort((a, b) => a - b);
    const fields = expression.fields;
    this.hours = ascending(fields.hour.values);
    this.minutes = ascending(fields.minute.values);
    this.seconds = ascending(fields.second.values);
    this.firstTimeMs = timeOfDayMs(this.hours[0] ?? 0, this.minutes[0] ?? 0, this.seconds[0] ?? 0);
    const months = new Set(fields.month.values.map(Number));
    this.monthAllowed = Array.from({ length: 13 }, (_, month) => months.has(month));
    this.dayMayMatch = dayPrefilter(expression);
  }

  firstAtOrAfter(wallMs: number): number | undefined {
    const day = dayNumberOf(wallMs);
    const matching = this.firstMatchingDayAtOrAfter(day);
    if (matching === undefined) return undefined;
    if (matching > day) return matching * DAY_MS + this.firstTimeMs;
    const time = this.firstTimeAtOrAfter(wallMs - day * DAY_MS);
    if (time !== undefined) return day * DAY_MS + time;
    const later = this.firstMatchingDayAtOrAfter(day + 1);
    return later === undefined ? undefined : later * DAY_MS + this.firstTimeMs;
  }

  private firstMatchingDayAtOrAfter(day: number): number | undefined {
    const known = this.matchingDay;
    if (day >= this.lookedUpFromDay && (known === undefined || day <= known)) return known;
    const found = this.searchMatchingDay(day);
    this.lookedUpFromDay = day;
    this.matchingDay = found;
    return found;
  }

  private searchMatchingDay(fromDay: number): number | undefined {
    const fromMonth = monthIndexOfDay(fromDay);
    for (let month = fromMonth; month < fromMonth + this.searchMonths; month++) {
      this.budget.spend(1);
      if (!this.monthAllowed[monthOfMonthIndex(month)]) continue;
      const firstDay = firstDayOfMonthIndex(month);
      const length = daysInMonthIndex(month);
      // cron numbers weekdays from Sunday (0); weekdayOfDay from Monday.
      const firstWeekday = (weekdayOfDay(firstDay) + 1) % 7;
      for (
        let dayOfMonth = month === fromMonth ? fromDay - firstDay + 1 : 1;
        dayOfMonth <= length;
        dayOfMonth++
      ) {
        if (!this.dayMayMatch(dayOfMonth, dayOfMonth === length, (firstWeekday + dayOfMonth - 1) % 7))
          continue;
        // At the day's first time of day the time fields match, so this asks the day fields alone.
        this.budget.spend(1);
        const day = firstDay + dayOfMonth - 1;
        if (this.expression.includesDate(new Date(day * DAY_MS + this.firstTimeMs))) return day;
      }
    }
    return undefined;
  }

  /** The first of the expression's times of day at or after `fromMs` (ms after midnight), or undefined. */
  private firstTimeAtOrAfter(fromMs: number): number | undefined {
    for (const hour of this.hours) {
      if (timeOfDayMs(hour + 1, 0, 0) <= fromMs) continue;
      for (const minute of this.minutes) {
        if (timeOfDayMs(hour, minute + 1, 0) <= fromMs) continue;
        for (const second of this.seconds) {
          const time = timeOfDayMs(hour, minute, second);
          if (time >= fromMs) return time;
        }
      }
    }
    return undefined;
  }
}

/**
 * Days that cron-parser's day rule can match (a superset: `includesDate` decides): day of the month in the
 * field's values or `L` on the last day; weekday in the field's values, `5L` and `1#2` counted by their weekday;
 * either one when both fields are restricted, as cron-parser's rule 1 (standard cron's "either") has it.
 */
function dayPrefilter(
  expression: CronExpression,
): (dayOfMonth: number, isLastDay: boolean, weekday: number) => boolean {
  const { dayOfMonth, dayOfWeek } = expression.fields;
  const monthDays = new Set<number>();
  for (const value of dayOfMonth.values) if (typeof value === "number") monthDays.add(value);
  const weekdays = new Set<number>();
  for (const value of dayOfWeek.values) {
    const weekday = Number.parseInt(String(value), 10);
    if (Number.isNaN(weekday)) return () => true;
    weekdays.add(weekday % 7);
  }
  const lastDay = dayOfMonth.hasLastChar;
  const byMonthDay = (day: number, isLastDay: boolean) => monthDays.has(day) || (lastDay && isLastDay);
  if (dayOfMonth.isWildcard && dayOfWeek.isWildcard) return () => true;
  if (dayOfWeek.isWildcard) return byMonthDay;
  if (dayOfMonth.isWildcard) return (_day, _isLastDay, weekday) => weekdays.has(weekday);
  return (day, isLastDay, weekday) => byMonthDay(day, isLastDay) || weekdays.has(weekday);
}

function timeOfDayMs(hour: number, minute: number, second: number): number {
  return ((hour * 60 + minute) * 60 + second) * 1000;
}
