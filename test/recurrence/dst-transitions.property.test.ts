import { CronExpressionParser } from "cron-parser";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextOccurrences } from "../../src/recurrence/occurrences.js";
import { zoneOf } from "../../src/recurrence/time-zones.js";
import type { CronTrigger } from "../../src/recurrence/trigger-schema.js";
import { TRANSITION_ZONES, transitionsWithin } from "./transitions.js";

/**
 * Near a DST transition the engine walks runs of wall times (Zone.wallRunAt) instead of every wall time. Checked
 * here against the rule itself, wall minute by wall minute: every instant is a matching wall time's, and no
 * matching wall time maps strictly between `after` and the first instant, or between two consecutive ones.
 */

const MINUTE = 60_000;
const HOUR = 3_600_000;
const COUNT = 5;

const ZONES = [...TRANSITION_ZONES, "America/St_Johns"];
const EXPRESSIONS = [
  "* * * * *",
  "*/7 * * * *",
  "30 * * * *",
  "0 */2 * * *",
  "15,45 1-3 * * *",
  "0 2 * * *",
  "30 2 * * 0",
  "0 30 * * * *",
  "0 45 1 * * *",
];

const caseArb = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    expression: fc.constantFrom(...EXPRESSIONS),
    year: fc.integer({ min: 2024, max: 2031 }),
    transitionIndex: fc.integer({ min: 0, max: 1 }),
    offsetMinutes: fc.integer({ min: -26 * 60, max: 3 * 60 }),
    offsetSeconds: fc.integer({ min: 0, max: 59 }),
  })
  .map(({ timeZone, expression, year, transitionIndex, offsetMinutes, offsetSeconds }) => {
    const zone = zoneOf(timeZone);
    const transitions = transitionsWithin(zone, Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1));
    const transition = transitions[transitionIndex % transitions.length] ?? Date.UTC(year, 0, 1);
    const afterMs = transition + offsetMinutes * MINUTE + offsetSeconds * 1000;
    const trigger: CronTrigger = { type: "cron", expression, timeZone };
    return { trigger, zone, afterMs };
  });

function firesInRepeatedHour(expression: string): boolean {
  const fields = expression.split(" ");
  const hour = fields[fields.length === 6 ? 2 : 1] ?? "";
  return hour === "*" || hour.includes("/");
}

describe("cron near DST transitions", () => {
  it("fires exactly the instants the matching wall times map to, none skipped", () => {
    fc.assert(
      fc.property(caseArb, ({ trigger, zone, afterMs }) => {
        const instants = nextOccurrences(trigger, new Date(0), new Date(afterMs), COUNT).map((date) =>
          date.getTime(),
        );
        expect(instants).toHaveLength(COUNT);
        const expression = CronExpressionParser.parse(trigger.expression, { tz: "UTC" });
        const repeated = firesInRepeatedHour(trigger.expression);
        const instantsOf = (wall: number): number[] => {
          const first = zone.instantOfWall(wall);
          const second = repeated ? zone.secondInstantOfWall(wall) : undefined;
          return second === undefined ? [first] : [first, second];
        };
        // Every wall minute whose instants can fall in (afterMs, last]: the zones' shifts are at most two hours.
        const fromWall = Math.floor((zone.wallAt(afterMs) - 3 * HOUR) / MINUTE) * MINUTE;
        const toWall = zone.wallAt(instants.at(-1) ?? afterMs) + 3 * HOUR;
        const expected = new Set<number>();
        for (let wall = fromWall; wall <= toWall; wall += MINUTE) {
          if (!expression.includesDate(new Date(wall))) continue;
          for (const instant of instantsOf(wall)) {
            if (instant > afterMs && instant <= (instants.at(-1) ?? afterMs)) expected.add(instant);
          }
        }
        expect(instants).toEqual([...expected].sort((a, b) => a - b));
      }),
      { numRuns: 100 },
    );
  });
});
