import { CronExpressionParser } from "cron-parser";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDateTimeText } from "../../src/recurrence/date-time-text.js";
import { compileOccurrences, firstOccurrence, nextOccurrences } from "../../src/recurrence/occurrences.js";
import { zoneOf, type Zone } from "../../src/recurrence/time-zones.js";
import {
  FREQUENCIES,
  MAX_INTERVAL,
  WEEK_DAYS,
  triggerSchema,
  type CronTrigger,
  type RecurrenceTrigger,
  type TimeTrigger,
} from "../../src/recurrence/trigger-schema.js";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const COUNT = 8;

const ZONES = ["America/Los_Angeles", "Europe/Berlin", "Australia/Sydney", "UTC", "Pacific Standard Time"];
const secondArb = fc
  .integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2060, 0, 1) / 1000 })
  .map((seconds) => seconds * 1000);
const localText = (wallMs: number) => new Date(wallMs).toISOString().slice(0, 19);

/** A startTime or endTime text: local to the zone, or absolute with Z. */
const dateTimeTextArb = (instantMs: number) =>
  fc.boolean().map((absolute) => (absolute ? `${localText(instantMs)}Z` : localText(instantMs)));

const uniqueInts = (min: number, max: number, maxLength: number) =>
  fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength });

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

const recurrenceArb: fc.Arbitrary<Record<string, unknown>> = fc
  .constantFrom(...FREQUENCIES)
  .chain((frequency) => {
    const timed = frequency !== "Minute" && frequency !== "Hour";
    const optional = <T>(arb: fc.Arbitrary<T>, allowed: boolean) =>
      allowed ? fc.option(arb, { nil: undefined }) : fc.constant(undefined);
    return fc
      .record({
        interval: fc.oneof(
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: MAX_INTERVAL[frequency] }),
        ),
        timeZone: fc.constantFrom(...ZONES),
        start: fc.option(secondArb, { nil: undefined }),
        endAfterMs: fc.option(
          fc.integer({ min: 1, max: 3 * 365 }).map((days) => days * DAY),
          { nil: undefined },
        ),
        hours: optional(fc.oneof(uniqueInts(0, 23, 3), uniqueInts(1, 3, 2)), timed),
        minutes: optional(uniqueInts(0, 59, 3), timed),
        timeOfDay: optional(
          fc
            .tuple(
              fc.oneof(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 3 })),
              fc.integer({ min: 0, max: 59 }),
            )
            .map(([hour, minute]) => `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`),
          timed,
        ),
        weekDays: optional(
          fc.uniqueArray(fc.constantFrom(...WEEK_DAYS), { minLength: 1 }),
          frequency === "Week",
        ),
        monthDays: optional(
          fc.uniqueArray(fc.oneof(fc.integer({ min: 1, max: 31 }), fc.integer({ min: -31, max: -1 })), {
            minLength: 1,
            maxLength: 4,
          }),
          frequency === "Month",
        ),
        monthlyOccurrences: optional(
          fc.uniqueArray(
            fc.record({
              day: fc.constantFrom(...WEEK_DAYS),
              occurrence: fc.constantFrom(1, 2, 3, 4, 5, -1, -2, -5),
            }),
            { minLength: 1, maxLength: 3, selector: (rule) => `${rule.day}/${rule.occurrence}` },
          ),
          frequency === "Month",
        ),
        startAbsolute: fc.boolean(),
        startHour: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      })
      .map(({ start, endAfterMs, startAbsolute, startHour, timeOfDay, ...fields }) => {
        const timeOfDayAllowed = fields.hours === undefined && fields.minutes === undefined;
        // A start hour of 01-03 makes simple Day/Week/Month recurrences meet DST gaps and folds.
        const startWallMs =
          start === undefined || startHour === undefined ? start : start - (start % DAY) + startHour * HOUR;
        const startText =
          startWallMs === undefined ? undefined : `${localText(startWallMs)}${startAbsolute ? "Z" : ""}`;
        const endText =
          start === undefined || endAfterMs === undefined ? undefined : `${localText(start + endAfterMs)}Z`;
        return withoutUndefined({
          type: "recurrence",
          frequency,
          ...fields,
          timeOfDay: timeOfDayAllowed ? timeOfDay : undefined,
          startTime: startText,
          endTime: endText,
        });
      });
  });

const minuteArb = fc.integer({ min: 0, max: 59 });
/** Biased toward the hours DST transitions touch. */
const hourArb = fc.oneof(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 3 }));
const cronExpressionArb = fc.oneof(
  fc.tuple(minuteArb, hourArb).map(([minute, hour]) => `${minute} ${hour} * * *`),
  fc.constantFrom(5, 10, 15, 20, 30).map((step) => `*/${step} * * * *`),
  minuteArb.map((minute) => `${minute} * * * *`),
  fc.tuple(minuteArb, fc.integer({ min: 1, max: 6 })).map(([minute, step]) => `${minute} */${step} * * *`),
  fc.tuple(minuteArb, hourArb).map(([minute, hour]) => `30 ${minute} ${hour} * * 1-5`),
  fc
    .tuple(minuteArb, hourArb, fc.integer({ min: 1, max: 31 }), fc.integer({ min: 0, max: 6 }))
    .map(([minute, hour, dayOfMonth, dayOfWeek]) => `${minute} ${hour} ${dayOfMonth} * ${dayOfWeek}`),
  fc.tuple(minuteArb, hourArb).map(([minute, hour]) => `${minute} ${hour} L * *`),
);

const cronArb: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    expression: cronExpressionArb,
    timeZone: fc.constantFrom(...ZONES),
    start: fc.option(secondArb, { nil: undefined }),
    endAfterMs: fc.option(
      fc.integer({ min: 1, max: 2 * 365 }).map((days) => days * DAY),
      { nil: undefined },
    ),
  })
  .chain(({ expression, timeZone, start, endAfterMs }) =>
    fc
      .record({
        startTime: start === undefined ? fc.constant(undefined) : dateTimeTextArb(start),
        endTime:
          start === undefined || endAfterMs === undefined
            ? fc.constant(undefined)
            : dateTimeTextArb(start + endAfterMs),
      })
      .map((times) => withoutUndefined({ type: "cron", expression, timeZone, ...times })),
  );

interface Case {
  trigger: TimeTrigger;
  activatedMs: number;
  afterMs: number;
}

/** The first DST (or other offset) transition within 400 days after fromMs, to the second; bisected. */
function nextTransitionAfter(zone: Zone, fromMs: number): number | undefined {
  let low = fromMs;
  let high = fromMs + 400 * DAY;
  if (zone.transitionShiftWithin(low, high) === 0) return undefined;
  while (high - low > 1000) {
    const middle = low + Math.floor((high - low) / 2);
    if (zone.transitionShiftWithin(low, middle) > 0) high = middle;
    else low = middle;
  }
  return high;
}

/**
 * A valid trigger (invalid combinations, e.g. endTime before startTime in the zone, are dropped) and instants;
 * `after` is often within hours of a DST transition, where wall times map out of order or twice.
 */
const caseArb = (triggerArb: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Case> =>
  fc
    .record({
      input: triggerArb,
      activatedMs: secondArb,
      afterOffsetMs: fc.oneof(fc.constant(-1), fc.integer({ min: -2 * DAY, max: 400 * DAY })),
      nearTransition: fc.boolean(),
      fromTransitionMs: fc.integer({ min: -120, max: 120 }).map((minutes) => minutes * MINUTE),
    })
    .map(({ input, activatedMs, afterOffsetMs, nearTransition, fromTransitionMs }) => {
      const parsed = triggerSchema.safeParse(input);
      if (!parsed.success || parsed.data.type === "datastore") return undefined;
      const transition = nearTransition
        ? nextTransitionAfter(zoneOf(parsed.data.timeZone ?? "UTC"), activatedMs)
        : undefined;
      const afterMs = transition === undefined ? activatedMs + afterOffsetMs : transition + fromTransitionMs;
      return { trigger: parsed.data, activatedMs, afterMs };
    })
    .filter((value): value is Case => value !== undefined);

function instantOfText(text: string, zone: Zone): number {
  const parsed = parseDateTimeText(text);
  if (parsed === undefined) throw new Error(`bad date ${text}`);
  return parsed.kind === "local" ? zone.instantOfWall(parsed.wallMs) : parsed.instantMs;
}

function wallOfText(text: string, zone: Zone): number {
  const parsed = parseDateTimeText(text);
  if (parsed === undefined) throw new Error(`bad date ${text}`);
  return parsed.kind === "local" ? parsed.wallMs : zone.wallAt(parsed.instantMs);
}

function isPatterned(trigger: RecurrenceTrigger): boolean {
  return [
    trigger.hours,
    trigger.minutes,
    trigger.timeOfDay,
    trigger.weekDays,
    trigger.monthDays,
    trigger.monthlyOccurrences,
  ].some((field) => field !== undefined);
}

/** Does a matching wall time map (by the zone's DST rule) to this instant? Tries every offset near it. */
function mapsFromMatchingWall(
  instant: number,
  zone: Zone,
  matches: (wall: number) => boolean,
  repeatedHour: boolean,
): boolean {
  for (let hours = -26; hours <= 26; hours++) {
    const wall = instant + zone.offsetAt(instant + hours * HOUR);
    if (!matches(wall)) continue;
    if (zone.instantOfWall(wall) === instant) return true;
    if (repeatedHour && zone.secondInstantOfWall(wall) === instant) return true;
  }
  return false;
}

const daysInMonth = (year: number, monthIndex: number) =>
  new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
const mondayOf = (dayNumber: number) => dayNumber - ((new Date(dayNumber * DAY).getUTCDay() + 6) % 7);

/** An independent statement of CONTRACT 2.1 rule 2 on one wall time, with Date's calendar. */
function patternMatcher(
  trigger: RecurrenceTrigger,
  anchorWall: number,
): { matches: (wall: number) => boolean; times: number[] } {
  const anchor = new Date(anchorWall);
  let hours = [anchor.getUTCHours()];
  let minutes = [anchor.getUTCMinutes()];
  if (trigger.timeOfDay !== undefined) {
    hours = [Number(trigger.timeOfDay.slice(0, 2))];
    minutes = [Number(trigger.timeOfDay.slice(3))];
  }
  hours = trigger.hours ?? hours;
  minutes = trigger.minutes ?? minutes;
  const anchorDay = Math.floor(anchorWall / DAY);
  const weekDays = trigger.weekDays ?? [WEEK_DAYS[(anchor.getUTCDay() + 6) % 7]];
  const monthDays =
    trigger.monthDays ?? (trigger.monthlyOccurrences === undefined ? [anchor.getUTCDate()] : []);
  const matches = (wall: number): boolean => {
    const date = new Date(wall);
    if (date.getUTCSeconds() !== 0 || date.getUTCMilliseconds() !== 0) return false;
    if (!hours.includes(date.getUTCHours()) || !minutes.includes(date.getUTCMinutes())) return false;
    const day = Math.floor(wall / DAY);
    switch (trigger.frequency) {
      case "Day":
        return day >= anchorDay && (day - anchorDay) % trigger.interval === 0;
      case "Week": {
        const weeks = (mondayOf(day) - mondayOf(anchorDay)) / 7;
        return (
          weeks >= 0 &&
          weeks % trigger.interval === 0 &&
          weekDays.includes(WEEK_DAYS[(date.getUTCDay() + 6) % 7])
        );
      }
      default: {
        const months =
          (date.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + date.getUTCMonth() - anchor.getUTCMonth();
        if (months < 0 || months % trigger.interval !== 0) return false;
        const dayOfMonth = date.getUTCDate();
        const length = daysInMonth(date.getUTCFullYear(), date.getUTCMonth());
        if (monthDays.includes(dayOfMonth) || monthDays.includes(dayOfMonth - length - 1)) return true;
        const weekday = WEEK_DAYS[(date.getUTCDay() + 6) % 7];
        return (trigger.monthlyOccurrences ?? []).some(
          (rule) =>
            rule.day === weekday &&
            (rule.occurrence > 0
              ? Math.ceil(dayOfMonth / 7) === rule.occurrence
              : Math.ceil((length - dayOfMonth + 1) / 7) === -rule.occurrence),
        );
      }
    }
  };
  const times = hours.flatMap((hour) => minutes.map((minute) => hour * HOUR + minute * MINUTE));
  return { matches, times };
}

/** The simple recurrence's k-th occurrence by Date arithmetic (CONTRACT 2.1 rule 1), or undefined when skipped. */
function simpleOccurrence(
  trigger: RecurrenceTrigger,
  zone: Zone,
  startMs: number,
  startWall: number,
  k: number,
): number | undefined {
  if (k === 0) return startMs;
  const start = new Date(startWall);
  switch (trigger.frequency) {
    case "Minute":
      return startMs + k * trigger.interval * MINUTE;
    case "Hour":
      return startMs + k * trigger.interval * HOUR;
    case "Day":
      return zone.instantOfWall(startWall + k * trigger.interval * DAY);
    case "Week":
      return zone.instantOfWall(startWall + k * trigger.interval * 7 * DAY);
    default: {
      const wall = new Date(startWall);
      wall.setUTCDate(1);
      wall.setUTCMonth(wall.getUTCMonth() + k * trigger.interval);
      if (start.getUTCDate() > daysInMonth(wall.getUTCFullYear(), wall.getUTCMonth())) return undefined;
      wall.setUTCDate(start.getUTCDate());
      return zone.instantOfWall(wall.getTime());
    }
  }
}

function run({ trigger, activatedMs, afterMs }: Case): number[] {
  return nextOccurrences(trigger, new Date(activatedMs), new Date(afterMs), COUNT).map((date) =>
    date.getTime(),
  );
}

function checkGeneralProperties({ trigger, activatedMs, afterMs }: Case, instants: number[]): void {
  const zone = zoneOf(trigger.timeZone ?? "UTC");
  let previous = afterMs;
  for (const instant of instants) {
    expect(instant).toBeGreaterThan(previous);
    expect(instant).toBeGreaterThanOrEqual(activatedMs);
    previous = instant;
  }
  if (trigger.endTime !== undefined) {
    const endMs = instantOfText(trigger.endTime, zone);
    for (const instant of instants) expect(instant).toBeLessThanOrEqual(endMs);
  }
  const sequence = compileOccurrences(trigger, new Date(activatedMs));
  const iterated: number[] = [];
  let cursor = afterMs;
  for (let i = 0; i < COUNT; i++) {
    const next = sequence.nextAfter(cursor);
    if (next === undefined) break;
    iterated.push(next);
    cursor = next;
  }
  expect(iterated).toEqual(instants);
  const first = nextOccurrences(trigger, new Date(activatedMs), new Date(activatedMs - 1), 1)[0] ?? null;
  expect(firstOccurrence(trigger, new Date(activatedMs))).toEqual(first);
}

const RUNS = { numRuns: 300 };

describe("occurrence properties", () => {
  it("simple recurrences: exactly the k-th occurrences at or after activation, ascending", () => {
    const simpleArb = caseArb(recurrenceArb).filter(
      (value) => value.trigger.type === "recurrence" && !isPatterned(value.trigger),
    );
    fc.assert(
      fc.property(simpleArb, (value) => {
        const trigger = value.trigger as RecurrenceTrigger;
        const zone = zoneOf(trigger.timeZone ?? "UTC");
        const instants = run(value);
        checkGeneralProperties(value, instants);
        const startMs =
          trigger.startTime === undefined ? value.activatedMs : instantOfText(trigger.startTime, zone);
        const startWall =
          trigger.startTime === undefined
            ? zone.wallAt(value.activatedMs)
            : wallOfText(trigger.startTime, zone);
        const endMs =
          trigger.endTime === undefined ? Number.POSITIVE_INFINITY : instantOfText(trigger.endTime, zone);
        // The reference walks k from an estimate well below the answer, by Date arithmetic.
        const lowest = Math.max(value.afterMs, value.activatedMs - 1);
        const stepMs = { Minute: MINUTE, Hour: HOUR, Day: DAY, Week: 7 * DAY, Month: 28 * DAY }[
          trigger.frequency
        ];
        let k = Math.max(
          0,
          Math.floor(
            (lowest - startMs) / (stepMs * trigger.interval * (trigger.frequency === "Month" ? 1.2 : 1)),
          ) - 2,
        );
        const expected: number[] = [];
        for (let guard = 0; expected.length < COUNT && guard < 2000; guard++, k++) {
          const occurrence = simpleOccurrence(trigger, zone, startMs, startWall, k);
          if (occurrence === undefined || occurrence <= lowest) continue;
          if (occurrence > endMs || occurrence > Date.UTC(9999, 11, 31, 23, 59, 59, 999)) break;
          expected.push(occurrence);
        }
        expect(instants).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("patterned recurrences: every instant matches the pattern and none is skipped", () => {
    const patternedArb = caseArb(recurrenceArb).filter(
      (value) => value.trigger.type === "recurrence" && isPatterned(value.trigger),
    );
    fc.assert(
      fc.property(patternedArb, (value) => {
        const trigger = value.trigger as RecurrenceTrigger;
        const zone = zoneOf(trigger.timeZone ?? "UTC");
        const instants = run(value);
        checkGeneralProperties(value, instants);
        const anchorWall =
          trigger.startTime === undefined
            ? zone.wallAt(value.activatedMs)
            : wallOfText(trigger.startTime, zone);
        const startMs =
          trigger.startTime === undefined ? value.activatedMs : instantOfText(trigger.startTime, zone);
        const { matches, times } = patternMatcher(trigger, anchorWall);
        for (const instant of instants) {
          expect(instant).toBeGreaterThan(startMs);
          expect(mapsFromMatchingWall(instant, zone, matches, false)).toBe(true);
        }
        // No candidate between the lower bound and the first instant, nor between two consecutive ones.
        let previous = Math.max(value.afterMs, startMs, value.activatedMs - 1);
        for (const instant of instants) {
          const fromDay = Math.floor(zone.wallAt(previous) / DAY) - 1;
          const toDay = Math.floor(zone.wallAt(instant) / DAY) + 1;
          for (let day = fromDay; day <= toDay && toDay - fromDay <= 1500; day++) {
            for (const time of times) {
              const wall = day * DAY + time;
              if (!matches(wall)) continue;
              const mapped = zone.instantOfWall(wall);
              expect(mapped <= previous || mapped >= instant).toBe(true);
            }
          }
          previous = instant;
        }
      }),
      RUNS,
    );
  });

  it("cron: every instant matches the expression's wall time in the zone, within startTime and endTime", () => {
    fc.assert(
      fc.property(caseArb(cronArb), (value) => {
        const trigger = value.trigger as CronTrigger;
        const zone = zoneOf(trigger.timeZone ?? "UTC");
        const instants = run(value);
        checkGeneralProperties(value, instants);
        const expression = CronExpressionParser.parse(trigger.expression, { tz: "UTC" });
        const hourField =
          trigger.expression.split(" ").at(trigger.expression.split(" ").length === 6 ? 2 : 1) ?? "";
        const everyHour = hourField === "*" || hourField.includes("/");
        const startMs =
          trigger.startTime === undefined ? value.activatedMs : instantOfText(trigger.startTime, zone);
        for (const instant of instants) {
          expect(instant).toBeGreaterThanOrEqual(startMs);
          expect(
            mapsFromMatchingWall(instant, zone, (wall) => expression.includesDate(new Date(wall)), everyHour),
          ).toBe(true);
        }
        // Away from transitions, cron-parser in the zone is the reference for the whole sequence.
        const fromMs = Math.max(value.afterMs, startMs - 1, value.activatedMs - 1);
        const lastMs = instants.at(-1) ?? fromMs;
        if (instants.length === COUNT && zone.transitionShiftWithin(fromMs - DAY, lastMs + DAY) === 0) {
          const reference = CronExpressionParser.parse(trigger.expression, {
            currentDate: new Date(fromMs),
            tz: zone.name,
          });
          expect(instants).toEqual(reference.take(COUNT).map((date) => date.getTime()));
        }
      }),
      RUNS,
    );
  });

  it("cron: equals cron-parser in zones without DST", () => {
    const fixedZoneArb = fc.record({
      expression: cronExpressionArb,
      timeZone: fc.constantFrom("UTC", "Asia/Tokyo", "Asia/Kolkata", "Tokyo Standard Time"),
      activatedMs: secondArb,
      afterOffsetMs: fc.integer({ min: -1, max: 400 * DAY }),
    });
    fc.assert(
      fc.property(fixedZoneArb, ({ expression, timeZone, activatedMs, afterOffsetMs }) => {
        const trigger: CronTrigger = { type: "cron", expression, timeZone };
        const afterMs = activatedMs + afterOffsetMs;
        const ours = nextOccurrences(trigger, new Date(activatedMs), new Date(afterMs), COUNT).map((date) =>
          date.getTime(),
        );
        const reference = CronExpressionParser.parse(expression, {
          currentDate: new Date(afterMs),
          tz: zoneOf(timeZone).name,
        });
        expect(ours).toEqual(reference.take(COUNT).map((date) => date.getTime()));
      }),
      RUNS,
    );
  });
});
