import { describe, expect, it } from "vitest";
import {
  firstPostTiming,
  MAX_EARLY_WAIT_MS,
  VISIBILITY_LEAD_MS,
  visibilityDelayMs,
} from "../../src/submit/fire-instant.js";

const at = (iso: string) => Date.parse(iso);

describe("visibilityDelayMs", () => {
  it("makes the message visible VISIBILITY_LEAD_MS before the instant, rounded down to the whole second", () => {
    expect(VISIBILITY_LEAD_MS).toBe(3_000);
    expect(visibilityDelayMs(at("2026-11-21T10:00:40.000Z"), at("2026-11-21T10:00:00.200Z"))).toBe(36_000);
    expect(visibilityDelayMs(at("2026-11-21T10:00:40.000Z"), at("2026-11-21T10:00:00.000Z"))).toBe(37_000);
    expect(visibilityDelayMs(at("2026-11-21T10:00:40.500Z"), at("2026-11-21T10:00:00.000Z"))).toBe(37_000);
    expect(visibilityDelayMs(at("2026-11-21T10:00:40.000Z"), at("2026-11-21T10:00:36.999Z"))).toBe(0);
  });

  it("is 0 for an instant that is close, now, or past", () => {
    expect(visibilityDelayMs(at("2026-11-21T10:00:03.999Z"), at("2026-11-21T10:00:00.000Z"))).toBe(0);
    expect(visibilityDelayMs(at("2026-11-21T10:00:00.000Z"), at("2026-11-21T10:00:00.000Z"))).toBe(0);
    expect(visibilityDelayMs(at("2026-11-21T09:00:00.000Z"), at("2026-11-21T10:00:00.000Z"))).toBe(0);
  });
});

describe("firstPostTiming", () => {
  const claimedAhead = {
    scheduledFor: "2026-11-21T10:00:40.000Z",
    createdAt: "2026-11-21T10:00:00.200Z",
    attempts: 0,
  };

  it("holds a run claimed ahead for the rest of the time to its instant", () => {
    expect(firstPostTiming(claimedAhead, at("2026-11-21T10:00:36.200Z"))).toEqual({
      kind: "wait",
      ms: 3_800,
    });
    expect(firstPostTiming(claimedAhead, at("2026-11-21T10:00:39.999Z"))).toEqual({ kind: "wait", ms: 1 });
    expect(firstPostTiming(claimedAhead, at("2026-11-21T10:00:40.000Z"))).toEqual({ kind: "now" });
    expect(firstPostTiming(claimedAhead, at("2026-11-21T10:00:41.000Z"))).toEqual({ kind: "now" });
  });

  it("sends back to the queue a message that came more than MAX_EARLY_WAIT_MS early", () => {
    expect(MAX_EARLY_WAIT_MS).toBe(10_000);
    expect(firstPostTiming(claimedAhead, at("2026-11-21T10:00:30.000Z"))).toEqual({
      kind: "wait",
      ms: 10_000,
    });
    expect(firstPostTiming(claimedAhead, at("2026-11-21T10:00:29.999Z"))).toEqual({
      kind: "requeue",
      delayMs: 7_000,
    });
    expect(firstPostTiming(claimedAhead, at("2026-11-21T10:00:10.000Z"))).toEqual({
      kind: "requeue",
      delayMs: 27_000,
    });
  });

  it("fires at once a run claimed at or after its instant, a retry, and a run without scheduledFor", () => {
    // A pass driven through /dev/tick as of a later instant than the worker's clock: no wait.
    const claimedLate = { ...claimedAhead, createdAt: "2026-11-21T10:00:41.000Z" };
    expect(firstPostTiming(claimedLate, at("2026-11-21T09:00:00.000Z"))).toEqual({ kind: "now" });
    const claimedAtInstant = { ...claimedAhead, createdAt: claimedAhead.scheduledFor };
    expect(firstPostTiming(claimedAtInstant, at("2026-11-21T09:00:00.000Z"))).toEqual({ kind: "now" });
    expect(firstPostTiming({ ...claimedAhead, attempts: 1 }, at("2026-11-21T10:00:36.200Z"))).toEqual({
      kind: "now",
    });
    expect(firstPostTiming({ ...claimedAhead, scheduledFor: null }, at("2026-11-21T10:00:36.200Z"))).toEqual({
      kind: "now",
    });
  });
});
