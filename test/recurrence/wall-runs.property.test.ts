import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { zoneOf } from "../../src/recurrence/time-zones.js";
import { nextTransitionAfter, TRANSITION_ZONES } from "./transitions.js";

/**
 * Zone.wallRunAt: every wall time of a run maps by the run's offsets, exactly as instantOfWall and
 * secondInstantOfWall map it (CONTRACT 2.1 rule 3). A run ends at the next wall time where a transition may
 * change that (the clock just before or just after it), or a day and two hours on.
 */

const MINUTE = 60_000;
const HOUR = 3_600_000;
const ZONES = [...TRANSITION_ZONES, "Pacific/Apia", "Africa/Casablanca", "Asia/Kolkata", "UTC"];

describe("wall runs", () => {
  it("map each of their wall times by one offset", () => {
    const caseArb = fc
      .record({
        timeZone: fc.constantFrom(...ZONES),
        // Any minute of 1995-2035, or one within 30 hours of a transition's wall clock.
        minute: fc.integer({ min: Date.UTC(1995, 0, 1) / MINUTE, max: Date.UTC(2035, 0, 1) / MINUTE }),
        nearTransition: fc.boolean(),
        fromTransitionMinutes: fc.integer({ min: -30 * 60, max: 30 * 60 }),
        probes: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 8 }),
      })
      .map(({ timeZone, minute, nearTransition, fromTransitionMinutes, probes }) => {
        const zone = zoneOf(timeZone);
        const transition = nearTransition ? nextTransitionAfter(zone, minute * MINUTE) : undefined;
        const wallMs =
          transition === undefined
            ? minute * MINUTE
            : zone.wallAt(transition) + fromTransitionMinutes * MINUTE;
        return { timeZone, wallMs, probes };
      });
    fc.assert(
      fc.property(caseArb, ({ timeZone, wallMs, probes }) => {
        const zone = zoneOf(timeZone);
        const run = zone.wallRunAt(wallMs);
        expect(run.endWallMs).toBeGreaterThan(wallMs);
        const span = Math.min(run.endWallMs, wallMs + 30 * HOUR) - wallMs;
        for (const fraction of [0, ...probes]) {
          const wall = wallMs + Math.floor((fraction * span) / 1000) * 1000;
          if (wall >= run.endWallMs) continue;
          expect(zone.instantOfWall(wall)).toBe(wall - run.firstOffsetMs);
          const second = zone.secondInstantOfWall(wall);
          expect(second).toBe(run.secondOffsetMs === undefined ? undefined : wall - run.secondOffsetMs);
        }
      }),
      { numRuns: 800 },
    );
  });

  it("end at a transition's wall times (Los Angeles, 2026)", () => {
    const zone = zoneOf("America/Los_Angeles");
    const runAt = (month: number, day: number, hour: number) =>
      zone.wallRunAt(Date.UTC(2026, month - 1, day, hour));
    // Spring: 02:00-02:59 does not exist and maps an hour later, by the offset before the gap (-08:00).
    expect(runAt(3, 8, 0)).toEqual({
      firstOffsetMs: -8 * HOUR,
      secondOffsetMs: undefined,
      endWallMs: Date.UTC(2026, 2, 8, 2),
    });
    expect(runAt(3, 8, 2)).toEqual({
      firstOffsetMs: -8 * HOUR,
      secondOffsetMs: undefined,
      endWallMs: Date.UTC(2026, 2, 8, 3),
    });
    expect(runAt(3, 8, 3).firstOffsetMs).toBe(-7 * HOUR);
    // Autumn: 01:00-01:59 occurs at -07:00 and again at -08:00.
    expect(runAt(11, 1, 1)).toEqual({
      firstOffsetMs: -7 * HOUR,
      secondOffsetMs: -8 * HOUR,
      endWallMs: Date.UTC(2026, 10, 1, 2),
    });
    expect(runAt(11, 1, 2)).toEqual({
      firstOffsetMs: -8 * HOUR,
      secondOffsetMs: undefined,
      endWallMs: Date.UTC(2026, 10, 1, 2) + 26 * HOUR,
    });
  });
});
