import { CronExpressionParser } from "cron-parser";
import { compileOccurrences } from "../src/recurrence/occurrences.js";
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

function engineThroughput(trigger: TimeTrigger): number {
  const sequence = compileOccurrences(trigger, FROM);
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

/** Repeated nextAfter of the recurrence engine against cron-parser's next() on the equivalent expression. */
export const recurrenceSuite: BenchSuite = {
  name: "recurrence",
  run() {
    const figures: BenchFigure[] = [];
    for (const comparison of COMPARISONS) {
      const engine = engineThroughput(comparison.trigger);
      const cronParser = cronParserThroughput(comparison.cronExpression);
      figures.push(
        {
          name: `${comparison.name}: engine nextAfter`,
          value: engine,
          unit: "ops/s",
          ratio: engine / cronParser,
          goal: GOAL,
        },
        {
          name: `${comparison.name}: cron-parser next() "${comparison.cronExpression}"`,
          value: cronParser,
          unit: "ops/s",
        },
      );
    }
    return Promise.resolve(figures);
  },
};
