/**
 * A trigger in plain words, for people: the status page, the CLI's tables and the API's `triggerDescription`.
 * "Every 2 weeks on Monday and Wednesday at 18:30, W. Europe Standard Time"; cron expressions in words where
 * they have a common shape, else "Cron 0 30 2 * * 1-5 (Europe/London)".
 */
import { parseDateTimeText } from "./date-time-text.js";
import { resolveTimeZone, zoneOf } from "./time-zones.js";
import type {
  CronTrigger,
  DatastoreTrigger,
  Frequency,
  RecurrenceTrigger,
  Trigger,
  WeekDay,
} from "./trigger-schema.js";
import { isPatterned } from "./trigger-schema.js";

export function describeTrigger(trigger: Trigger): string {
  switch (trigger.type) {
    case "recurrence":
      return describeRecurrence(trigger);
    case "cron":
      return describeCron(trigger);
    case "datastore":
      return describeDatastore(trigger);
  }
}

const UNIT: Record<Frequency, string> = {
  Minute: "minute",
  Hour: "hour",
  Day: "day",
  Week: "week",
  Month: "month",
};
const WEEKDAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;
const OCCURRENCE_WORDS = ["first", "second", "third", "fourth", "fifth"] as const;
/** Beyond this many hour × minute combinations, times are given as "minutes … past hours …". */
const MAX_LISTED_TIMES = 8;

/** "a, b and c" (or "a, b or c"). */
function joinWords(words: readonly string[], conjunction: "and" | "or" = "and"): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} ${conjunction} ${words.at(-1) ?? ""}`;
}

/** Runs of three or more consecutive numbers as "9 to 17": "0, 9 to 17 and 22". */
function joinNumbers(values: readonly number[]): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const words: string[] = [];
  for (let start = 0; start < sorted.length;) {
    let end = start;
    while (end + 1 < sorted.length && sorted[end + 1] === (sorted[end] ?? 0) + 1) end++;
    const first = sorted[start] ?? 0;
    const last = sorted[end] ?? 0;
    if (end - start >= 2) words.push(`${first} to ${last}`);
    else for (let index = start; index <= end; index++) words.push(String(sorted[index]));
    start = end + 1;
  }
  return joinWords(words);
}

function every(interval: number, unit: string): string {
  return interval === 1 ? `Every ${unit}` : `Every ${interval} ${unit}s`;
}

function twoDigits(value: number): string {
  return String(value).padStart(2, "0");
}

function clockTime(hour: number, minute: number): string {
  return `${twoDigits(hour)}:${twoDigits(minute)}`;
}

/** "1st", "2nd", "3rd", "11th", "22nd". */
function ordinalNumber(value: number): string {
  const lastTwo = value % 100;
  const suffix = lastTwo >= 11 && lastTwo <= 13 ? "th" : (["th", "st", "nd", "rd"][value % 10] ?? "th");
  return `${value}${suffix}`;
}

/** The local wall clock of a startTime/endTime in the trigger's zone, UTC-encoded; undefined if absent. */
function wallClockOf(text: string | undefined, timeZone: string): Date | undefined {
  if (text === undefined) return undefined;
  const parsed = parseDateTimeText(text);
  if (parsed === undefined) return undefined;
  if (parsed.kind === "local") return new Date(parsed.wallMs);
  if (resolveTimeZone(timeZone) === undefined) return undefined;
  return new Date(zoneOf(timeZone).wallAt(parsed.instantMs));
}

/** "2026-01-05 18:30", with seconds only when they are not zero. */
function formatWallClock(wall: Date): string {
  const date = wall.toISOString().slice(0, 10);
  const seconds = wall.getUTCSeconds();
  const time = clockTime(wall.getUTCHours(), wall.getUTCMinutes());
  return `${date} ${time}${seconds === 0 ? "" : `:${twoDigits(seconds)}`}`;
}

/** ", from 2026-01-05 18:30, until 2027-01-01 00:00" for the parts that are set. */
function describeWindow(
  trigger: { startTime?: string | undefined; endTime?: string | undefined },
  timeZone: string,
): string {
  const start = wallClockOf(trigger.startTime, timeZone);
  const end = wallClockOf(trigger.endTime, timeZone);
  return (
    (start === undefined ? "" : `, from ${formatWallClock(start)}`) +
    (end === undefined ? "" : `, until ${formatWallClock(end)}`)
  );
}

function describeRecurrence(trigger: RecurrenceTrigger): string {
  const timeZone = trigger.timeZone ?? "UTC";
  const start = wallClockOf(trigger.startTime, timeZone);
  const cadence = every(trigger.interval, UNIT[trigger.frequency]);
  const window = describeWindow(trigger, timeZone);
  if (!isPatterned(trigger)) {
    // CONTRACT 2.1 rule 1: Minute and Hour are exact durations, so the zone only matters for start and end.
    const exact = trigger.frequency === "Minute" || trigger.frequency === "Hour";
    if (start === undefined) {
      const counted = `${cadence}, counted from creation`;
      return exact && window === "" ? counted : `${counted}, ${timeZone}${window}`;
    }
    return `${cadence}${exact ? "" : simpleDayAndTime(trigger.frequency, start)}, ${timeZone}${window}`;
  }
  if (trigger.frequency === "Hour" && trigger.minutes !== undefined) {
    // Data Factory's hourly pattern: every interval-th hour, counted from the hour of startTime or creation.
    const minutes = `minute${trigger.minutes.length === 1 ? "" : "s"} ${joinNumbers(trigger.minutes)}`;
    const counted = trigger.interval > 1 && start === undefined ? ", counted from the hour of creation" : "";
    return `${cadence} at ${minutes}${counted}, ${timeZone}${window}`;
  }
  const days = patternDays(trigger, start);
  return `${cadence}${days}${patternTimes(trigger, start)}, ${timeZone}${window}`;
}

/** Day, Week and Month keep startTime's wall-clock time (and weekday, day of the month). */
function simpleDayAndTime(frequency: Frequency, start: Date): string {
  const time = ` at ${clockTime(start.getUTCHours(), start.getUTCMinutes())}`;
  if (frequency === "Week") return ` on ${WEEKDAY_NAMES[start.getUTCDay()] ?? ""}${time}`;
  if (frequency === "Month") return ` on day ${start.getUTCDate()}${time}`;
  return time;
}

function patternDays(trigger: RecurrenceTrigger, start: Date | undefined): string {
  if (trigger.frequency === "Week") {
    if (trigger.weekDays !== undefined) return ` on ${joinWords(sortWeekDays(trigger.weekDays))}`;
    return start === undefined
      ? " on the weekday of creation"
      : ` on ${WEEKDAY_NAMES[start.getUTCDay()] ?? ""}`;
  }
  if (trigger.frequency === "Month") {
    const occurrences = (trigger.monthlyOccurrences ?? []).map(
      ({ day, occurrence }) => `the ${occurrenceWord(occurrence)} ${day}`,
    );
    // CONTRACT 2.1 rule 2: monthDays and monthlyOccurrences together mean either.
    if (trigger.monthDays !== undefined && occurrences.length > 0) {
      return ` on ${joinWords([describeMonthDays(trigger.monthDays), ...occurrences], "or")}`;
    }
    if (trigger.monthDays !== undefined) return ` on ${describeMonthDays(trigger.monthDays)}`;
    if (occurrences.length > 0) return ` on ${joinWords(occurrences)}`;
    return start === undefined ? " on the day of the month of creation" : ` on day ${start.getUTCDate()}`;
  }
  return "";
}

function sortWeekDays(days: readonly WeekDay[]): WeekDay[] {
  const order = (day: WeekDay) => (WEEKDAY_NAMES.indexOf(day) + 6) % 7;
  return [...days].sort((a, b) => order(a) - order(b));
}

/** 1 -> "first", -1 -> "last", -2 -> "second-to-last" (monthlyOccurrences, 1..5 and -1..-5). */
function occurrenceWord(occurrence: number): string {
  if (occurrence === -1) return "last";
  const word = OCCURRENCE_WORDS[Math.abs(occurrence) - 1] ?? ordinalNumber(Math.abs(occurrence));
  return occurrence > 0 ? word : `${word}-to-last`;
}

/** [1, 15, -1] -> "days 1, 15 and the last day"; -2 is "the 2nd-to-last day", listed in calendar order. */
function describeMonthDays(monthDays: readonly number[]): string {
  const fromStart = monthDays.filter((day) => day > 0).sort((a, b) => a - b);
  const fromEnd = monthDays.filter((day) => day < 0).sort((a, b) => a - b);
  const words = [
    ...fromStart.map(String),
    ...fromEnd.map((day) => (day === -1 ? "the last day" : `the ${ordinalNumber(-day)}-to-last day`)),
  ];
  if (fromStart.length === 0) return joinWords(words);
  return `${fromStart.length === 1 ? "day" : "days"} ${joinWords(words)}`;
}

/** CONTRACT 2.1 rule 2: hours and minutes default to those of startTime, or of the creation time. */
function patternTimes(trigger: RecurrenceTrigger, start: Date | undefined): string {
  if (trigger.timeOfDay !== undefined) return ` at ${trigger.timeOfDay}`;
  const hours = trigger.hours ?? (start === undefined ? undefined : [start.getUTCHours()]);
  const minutes = trigger.minutes ?? (start === undefined ? undefined : [start.getUTCMinutes()]);
  if (hours === undefined && minutes === undefined) return " at the time of day of creation";
  if (hours === undefined)
    return ` at minute${minutes?.length === 1 ? "" : "s"} ${joinNumbers(minutes ?? [])} past the hour of creation`;
  if (minutes === undefined) {
    return ` at hour${hours.length === 1 ? "" : "s"} ${joinNumbers(hours)}, at the minute of creation`;
  }
  return describeTimes(hours, minutes);
}

function describeTimes(hours: readonly number[], minutes: readonly number[]): string {
  const sortedHours = [...hours].sort((a, b) => a - b);
  const sortedMinutes = [...minutes].sort((a, b) => a - b);
  if (sortedHours.length * sortedMinutes.length <= MAX_LISTED_TIMES) {
    return ` at ${joinWords(sortedHours.flatMap((hour) => sortedMinutes.map((minute) => clockTime(hour, minute))))}`;
  }
  const minuteWord = sortedMinutes.length === 1 ? "minute" : "minutes";
  const hourWord = sortedHours.length === 1 ? "hour" : "hours";
  return ` at ${minuteWord} ${joinNumbers(sortedMinutes)} past ${hourWord} ${joinNumbers(sortedHours)}`;
}

function describeDatastore(trigger: DatastoreTrigger): string {
  const folder = (trigger.pathOnDatastore ?? "").replace(/\/+$/, "");
  const where = folder === "" ? `the root of ${trigger.datastoreName}` : `${trigger.datastoreName}/${folder}`;
  const perFile =
    trigger.dataPathParameterName === undefined
      ? ""
      : `; one run per file, passed as ${trigger.dataPathParameterName}`;
  if (trigger.detection === "events") {
    return `When a file is added to or changed in ${where}, from Event Grid events, reconciled ${everyMinutes(trigger.reconcileMinutes)}${perFile}`;
  }
  return `When a file is added to or changed in ${where}, checked ${everyMinutes(trigger.pollingIntervalMinutes)}${perFile}`;
}

/** 1 -> "every minute", 60 -> "every hour", 120 -> "every 2 hours", 1440 -> "every day". */
function everyMinutes(minutes: number): string {
  if (minutes === 1440) return "every day";
  if (minutes % 60 === 0) return every(minutes / 60, "hour").toLowerCase();
  return every(minutes, "minute").toLowerCase();
}

/** A cron field read as a set of numbers, or "any" for `*` / `?`; undefined when it uses other syntax. */
type CronField = { kind: "any" } | { kind: "step"; step: number } | { kind: "values"; values: number[] };

const DAY_NAME_NUMBERS: Record<string, number> = { SUN: 0, MON: 1, TUE: 2, WED: 3, THU: 4, FRI: 5, SAT: 6 };
const MONTH_NAME_NUMBERS: Record<string, number> = Object.fromEntries(
  MONTH_NAMES.map((name, index) => [name.slice(0, 3).toUpperCase(), index + 1]),
);

function readCronField(
  text: string,
  min: number,
  max: number,
  names: Record<string, number> = {},
): CronField | undefined {
  if (text === "*" || text === "?") return { kind: "any" };
  const step = /^\*\/(\d+)$/.exec(text);
  if (step) return { kind: "step", step: Number(step[1]) };
  const valueOf = (word: string): number | undefined => {
    const named = names[word.toUpperCase()];
    if (named !== undefined) return named;
    return /^\d+$/.test(word) ? Number(word) : undefined;
  };
  const values: number[] = [];
  for (const part of text.split(",")) {
    const [from, to, ...rest] = part.split("-");
    const low = valueOf(from ?? "");
    const high = to === undefined ? low : valueOf(to);
    if (rest.length > 0 || low === undefined || high === undefined || low > high || low < min || high > max) {
      return undefined;
    }
    for (let value = low; value <= high; value++) values.push(value);
  }
  return { kind: "values", values: [...new Set(values)].sort((a, b) => a - b) };
}

function describeCron(trigger: CronTrigger): string {
  const timeZone = trigger.timeZone ?? "UTC";
  const expression = trigger.expression.trim().replace(/\s+/g, " ");
  const window = describeWindow(trigger, timeZone);
  const words = cronInWords(expression);
  if (words === undefined) return `Cron ${expression} (${timeZone})${window}`;
  return `${words}, ${timeZone} (cron ${expression})${window}`;
}

/** The common shapes of cron expressions in words; undefined for the others (they are shown as written). */
function cronInWords(expression: string): string | undefined {
  const fields = expression.split(" ");
  // Six fields are NCRONTAB, seconds first; only whole minutes are put in words.
  if (fields.length === 6 && fields.shift() !== "0") return undefined;
  const [minuteText = "", hourText = "", dayOfMonthText = "", monthText = "", dayOfWeekText = ""] = fields;
  const minute = readCronField(minuteText, 0, 59);
  const hour = readCronField(hourText, 0, 23);
  const dayOfMonth = dayOfMonthText === "L" ? ("last" as const) : readCronField(dayOfMonthText, 1, 31);
  const month = readCronField(monthText, 1, 12, MONTH_NAME_NUMBERS);
  const nthWeekDay = cronNthWeekDay(dayOfWeekText);
  const dayOfWeek =
    nthWeekDay === undefined
      ? readCronField(dayOfWeekText, 0, 7, DAY_NAME_NUMBERS)
      : { kind: "any" as const };
  if (!minute || !hour || !dayOfMonth || !month || !dayOfWeek) return undefined;
  const days =
    nthWeekDay === undefined ? cronDays(dayOfMonth, dayOfWeek) : cronNthDays(dayOfMonth, nthWeekDay);
  const months = cronMonths(month);
  if (days === undefined || months === undefined) return undefined;
  const when = `${days}${months}`;
  if (minute.kind === "values" && hour.kind === "values") {
    const times = describeTimes(hour.values, minute.values);
    return when === "" ? `Every day${times}` : `${times.trim().replace(/^at/, "At")}${when}`;
  }
  if (minute.kind === "values" && hour.kind !== "values") {
    const cadence = hour.kind === "any" ? "Every hour" : every(hour.step, "hour");
    return `${cadence} at minute ${joinNumbers(minute.values)}${when}`;
  }
  if (minute.kind !== "values") {
    const cadence = minute.kind === "any" ? "Every minute" : every(minute.step, "minute");
    if (hour.kind === "any") return `${cadence}${when}`;
    if (hour.kind === "values") {
      return `${cadence} in hour${hour.values.length === 1 ? "" : "s"} ${joinNumbers(hour.values)}${when}`;
    }
  }
  return undefined;
}

function cronDays(dayOfMonth: CronField | "last", dayOfWeek: CronField): string | undefined {
  if (dayOfWeek.kind === "step" || (dayOfMonth !== "last" && dayOfMonth.kind === "step")) return undefined;
  const weekDays =
    dayOfWeek.kind === "any" ? undefined : cronWeekDays(dayOfWeek.values.map((value) => value % 7));
  const monthDays =
    dayOfMonth === "last"
      ? "the last day of the month"
      : dayOfMonth.kind === "any"
        ? undefined
        : `${dayOfMonth.values.length === 1 ? "day" : "days"} ${joinNumbers(dayOfMonth.values)} of the month`;
  // Standard cron: with both restricted, a day matches when either does (CONTRACT 2.2).
  const choices = [monthDays, weekDays].filter((choice) => choice !== undefined);
  return choices.length === 0 ? "" : ` on ${choices.join(" or on ")}`;
}

/** cron-parser's `5L` (the last Friday) and `1#2` (the second Monday) of the month; undefined otherwise. */
function cronNthWeekDay(text: string): string | undefined {
  const match = /^([A-Za-z]{3}|[0-7])(?:L|#([1-5]))$/.exec(text);
  if (!match) return undefined;
  const [, dayText = "", nth] = match;
  const day = DAY_NAME_NUMBERS[dayText.toUpperCase()] ?? Number(dayText);
  if (Number.isNaN(day)) return undefined;
  const name = WEEKDAY_NAMES[day % 7] ?? "";
  return `the ${nth === undefined ? "last" : occurrenceWord(Number(nth))} ${name} of the month`;
}

function cronNthDays(dayOfMonth: CronField | "last", nthWeekDay: string): string | undefined {
  return dayOfMonth !== "last" && dayOfMonth.kind === "any" ? ` on ${nthWeekDay}` : undefined;
}

/** Cron weekdays (0 = Sunday) from Monday on: [1,2,3,4,5] -> "Monday to Friday". */
function cronWeekDays(values: readonly number[]): string {
  const mondayFirst = [...new Set(values.map((value) => (value + 6) % 7))].sort((a, b) => a - b);
  const nameOf = (index: number) => WEEKDAY_NAMES[(index + 1) % 7] ?? "";
  const words: string[] = [];
  for (let start = 0; start < mondayFirst.length;) {
    let end = start;
    while (end + 1 < mondayFirst.length && mondayFirst[end + 1] === (mondayFirst[end] ?? 0) + 1) end++;
    if (end - start >= 2)
      words.push(`${nameOf(mondayFirst[start] ?? 0)} to ${nameOf(mondayFirst[end] ?? 0)}`);
    else for (let index = start; index <= end; index++) words.push(nameOf(mondayFirst[index] ?? 0));
    start = end + 1;
  }
  return joinWords(words);
}

function cronMonths(month: CronField): string | undefined {
  if (month.kind === "any") return "";
  if (month.kind === "step") return undefined;
  return ` in ${joinWords(month.values.map((value) => MONTH_NAMES[value - 1] ?? ""))}`;
}
