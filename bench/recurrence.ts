import { CronExpressionParser } from "cron-parser";
import { DAY_MS } from "../src/recurrence/calendar.js";
import { compileOccurrences } from "../src/recurrence/occurrences.js";
import { StepBudget } from "../src/recurrence/step-budget.js";
import { zoneOf } from "../src/recurrence/time-zones.js";
import type { TimeTrigger } from "../src/recurrence/trigger-schema.js";
import { measureThroughput, type BenchFigure, type BenchSuite } from "./harness.js";

const TIME_ZONE = "America/Los_Angeles";
const FROM = new Date("2026-01-01T00:00:00Z");
/** Each loop restarts at FROM once past this, so both engines stay in years with DST transitions. */
const HORIZON_MS = Date.parse("2036-01-01T00:00:00Z");
const GOAL = ">= 20";

interface Comparison {
  name: string;
  trigger: TimeTrigger;
  cronExpression: string;
}

const COMPARISONS: Comparison[] = [
  {
    name: "every 15 minutes",
    trigger: { type: "recurrence", frequency: "Minute", interval: 15, timeZone: TIME_ZONE },
    cronExpression: "*/15 * * * *",
  },
  {
    name: "daily at 02:30",
    trigger: { type: "recurrence", frequency: "Day", interval: 1, timeOfDay: "02:30", timeZone: TIME_ZONE },
    cronExpression: "30 2 * * *",
  },
  {
    name: "weekdays at 09:00",
    trigger: {
      type: "recurrence",
      frequency: "Week",
      interval: 1,
      weekDays: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
      timeOfDay: "09:00",
      timeZone: TIME_ZONE,
    },
    cronExpression: "0 9 * * 1-5",
  },
];

/**
 * Near DST transitions (CONTRACT 2.1 rule 3): each loop runs within a day either side of one of Los Angeles'
 * transitions from 2026 to 2035, then moves on to the next, so every next occurrence is computed on the slow path.
 */
const TRANSITION_WINDOWS = transitionWindows(TIME_ZONE, 2026, 2035, DAY_MS);

const NEAR_TRANSITION_COMPARISONS: Comparison[] = [
  {
    name: "every minute within a day of a DST transition",
    trigger: { type: "cron", expression: "* * * * *", timeZone: TIME_ZONE },
    cronExpression: "* * * * *",
  },
  {
    name: "daily at 02:30 within a day of a DST transition",
    trigger: { type: "recurrence", frequency: "Day", interval: 1, timeOfDay: "02:30", timeZone: TIME_ZONE },
    cronExpression: "30 2 * * *",
  },
];

/** [start, end] instants a day either side of each transition of the zone in the years given. */
function transitionWindows(timeZone: string, fromYear: number, toYear: number, marginMs: number): number[][] {
  const zone = zoneOf(timeZone);
  const windows: number[][] = [];
  for (let day = Date.UTC(fromYear, 0, 1); day < Date.UTC(toYear + 1, 0, 1); day += DAY_MS) {
    if (zone.offsetAt(day) === zone.offsetAt(day + DAY_MS)) continue;
    let before = day;
    let after = day + DAY_MS;
    while (after - before > 1000) {
      const middle = before + Math.floor((after - before) / 2000) * 1000;
      if (zone.offsetAt(middle) === zone.offsetAt(day)) before = middle;
      else after = middle;
    }
    windows.push([after - marginMs, after + marginMs]);
  }
  return windows;
}

/** Calls `next(cursor)` through the windows in turn; returns calls per second. */
function throughputNearTransitions(
  next: (cursorMs: number) => number | undefined,
  reset: (startMs: number) => void,
) {
  let index = 0;
  let [start = 0, end = 0] = TRANSITION_WINDOWS[0] ?? [];
  let cursor = start;
  reset(start);
  return measureThroughput(
    () => {
      const found = next(cursor);
      if (found === undefined || found > end) {
        index = (index + 1) % TRANSITION_WINDOWS.length;
        [start = 0, end = 0] = TRANSITION_WINDOWS[index] ?? [];
        cursor = start;
        reset(start);
      } else {
        cursor = found;
      }
    },
    1000,
    100,
  ).opsPerSecond;
}

function engineNearTransitions(trigger: TimeTrigger): number {
  // A bench computes far more than one request may: no step bound.
  const sequence = compileOccurrences(trigger, FROM, new StepBudget(Number.POSITIVE_INFINITY));
  return throughputNearTransitions(
    (cursor) => sequence.nextAfter(cursor),
    () => undefined,
  );
}

function cronParserNearTransitions(expression: string): number {
  const parsed = CronExpressionParser.parse(expression, { currentDate: FROM, tz: TIME_ZONE });
  return throughputNearTransitions(
    () => parsed.next().getTime(),
    (start) => parsed.reset(new Date(start)),
  );
}

function engineThroughput(trigger: TimeTrigger): number {
  const sequence = compileOccurrences(trigger, FROM, new StepBudget(Number.POSITIVE_INFINITY));
  let cursor = FROM.getTime();
  return measureThroughput(() => {
    const next = sequence.nextAfter(cursor);
    cursor = next === undefined || next > HORIZON_MS ? FROM.getTime() : next;
  }).opsPerSecond;
}

function cronParserThroughput(expression: string): number {
  const parsed = CronExpressionParser.parse(expression, { currentDate: FROM, tz: TIME_ZONE });
  return measureThroughput(
    () => {
      if (parsed.next().getTime() > HORIZON_MS) parsed.reset(FROM);
    },
    1000,
    100,
  ).opsPerSecond;
}

/** The engine's figure, judged by its ratio to cron-parser's, and cron-parser's beside it. */
function comparedFigures(
  name: string,
  cronExpression: string,
  engine: number,
  cronParser: number,
): BenchFigure[] {
  return [
    {
      name: `${name}: engine nextAfter`,
      value: engine,
      unit: "ops/s",
      ratio: engine / cronParser,
      goal: GOAL,
    },
    { name: `${name}: cron-parser next() "${cronExpression}"`, value: cronParser, unit: "ops/s" },
  ];
}

/** Repeated nextAfter of the recurrence engine against cron-parser's next() on the equivalent expression. */
export const recurrenceSuite: BenchSuite = {
  name: "recurrence",
  run() {
    const figures: BenchFigure[] = [];
    for (const { name, trigger, cronExpression } of COMPARISONS) {
      const engine = engineThroughput(trigger);
      figures.push(...comparedFigures(name, cronExpression, engine, cronParserThroughput(cronExpression)));
    }
    for (const { name, trigger, cronExpression } of NEAR_TRANSITION_COMPARISONS) {
      const engine = engineNearTransitions(trigger);
      figures.push(
        ...comparedFigures(name, cronExpression, engine, cronParserNearTransitions(cronExpression)),
      );
    }
    return Promise.resolve(figures);
  },
};
