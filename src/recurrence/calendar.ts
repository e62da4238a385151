/**
 * Integer calendar arithmetic on "wall time": a local wall-clock time encoded as UTC epoch ms
 * (`Date.UTC` of the local fields). Allocation-free where the recurrence hot path needs it.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** Days since 1970-01-01 of the wall time's calendar day. */
export function dayNumberOf(wallMs: number): number {
  return Math.floor(wallMs / DAY_MS);
}

/** 0 = Monday … 6 = Sunday (ISO 8601 order); day 0, 1970-01-01, was a Thursday. */
export function weekdayOfDay(dayNumber: number): number {
  return (((dayNumber + 3) % 7) + 7) % 7;
}

/** Months since January 1970 (0 = 1970-01). */
export function monthIndexOf(year: number, month: number): number {
  return (year - 1970) * 12 + (month - 1);
}

export function yearOfMonthIndex(monthIndex: number): number {
  return 1970 + Math.floor(monthIndex / 12);
}

/** 1 … 12 */
export function monthOfMonthIndex(monthIndex: number): number {
  return monthIndex - Math.floor(monthIndex / 12) * 12 + 1;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonthIndex(monthIndex: number): number {
  const month = monthOfMonthIndex(monthIndex);
  if (month === 2 && isLeapYear(yearOfMonthIndex(monthIndex))) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 31;
}

/** Day number of the first day of the month (H. Hinnant's days_from_civil). */
export function firstDayOfMonthIndex(monthIndex: number): number {
  let year = yearOfMonthIndex(monthIndex);
  const month = monthOfMonthIndex(monthIndex);
  if (month <= 2) year -= 1;
  const era = Math.floor(year / 400);
  const yearOfEra = year - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5);
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Month index of the month containing the day (H. Hinnant's civil_from_days). */
export function monthIndexOfDay(dayNumber: number): number {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return monthIndexOf(year, month);
}
