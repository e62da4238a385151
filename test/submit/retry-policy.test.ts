import { describe, expect, it } from "vitest";
import {
  backoffDelayMs,
  BASE_DELAY_MS,
  classifyResponse,
  MAX_BACKOFF_MS,
  MAX_RETRY_AFTER_MS,
  parseRetryAfterMs,
  retryDelayMs,
} from "../../src/submit/index.js";

const now = new Date("2026-11-21T10:00:00.000Z");
const lowest = () => 0;
const highest = () => 1;

describe("classifyResponse", () => {
  it.each([
    [200, "success"],
    [201, "success"],
    [202, "success"],
    [301, "final"],
    [400, "final"],
    [401, "final"],
    [403, "final"],
    [404, "final"],
    [408, "retryable"],
    [409, "final"],
    [429, "retryable"],
    [500, "retryable"],
    [502, "retryable"],
    [503, "retryable"],
    [504, "retryable"],
  ])("%i is %s", (status, expected) => {
    expect(classifyResponse(status)).toBe(expected);
  });
});

describe("backoff without Retry-After", () => {
  it("waits between half and all of 2 s after the first attempt", () => {
    expect(BASE_DELAY_MS).toBe(2000);
    expect(retryDelayMs(1, null, now, lowest)).toBe(1000);
    expect(retryDelayMs(1, null, now, highest)).toBe(2000);
    expect(retryDelayMs(1, null, now, () => 0.5)).toBe(1500);
  });

  it("doubles the range with each attempt, so each attempt's shortest wait is the previous longest", () => {
    const ranges = [1, 2, 3, 4, 5].map((attempt) => [
      retryDelayMs(attempt, null, now, lowest),
      retryDelayMs(attempt, null, now, highest),
    ]);
    expect(ranges).toEqual([
      [1000, 2000],
      [2000, 4000],
      [4000, 8000],
      [8000, 16000],
      [16000, 32000],
    ]);
  });

  it("is capped at five minutes however many attempts failed", () => {
    expect(MAX_BACKOFF_MS).toBe(300_000);
    expect(retryDelayMs(9, null, now, highest)).toBe(300_000);
    expect(retryDelayMs(9, null, now, lowest)).toBe(150_000);
    expect(retryDelayMs(1000, null, now, highest)).toBe(300_000);
  });

  it("ignores an unreadable Retry-After", () => {
    expect(retryDelayMs(1, "soon", now, highest)).toBe(2000);
    expect(retryDelayMs(1, "-5", now, highest)).toBe(2000);
    expect(retryDelayMs(1, "", now, highest)).toBe(2000);
  });
});

describe("Retry-After", () => {
  it("honours delay-seconds as given, whatever the attempt", () => {
    expect(retryDelayMs(1, "7", now, highest)).toBe(7000);
    expect(retryDelayMs(6, " 3 ", now, lowest)).toBe(3000);
    expect(retryDelayMs(1, "0", now, highest)).toBe(0);
  });

  it("honours an HTTP-date relative to now", () => {
    expect(parseRetryAfterMs("Sat, 21 Nov 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(retryDelayMs(1, "Sat, 21 Nov 2026 10:02:00 GMT", now, lowest)).toBe(120_000);
  });

  it("treats an HTTP-date in the past as now", () => {
    expect(retryDelayMs(3, "Sat, 21 Nov 2026 09:00:00 GMT", now, highest)).toBe(0);
  });

  it("cuts a long Retry-After to ten minutes", () => {
    expect(MAX_RETRY_AFTER_MS).toBe(600_000);
    expect(retryDelayMs(1, "86400", now, lowest)).toBe(600_000);
    expect(retryDelayMs(1, "Sun, 22 Nov 2026 10:00:00 GMT", now, lowest)).toBe(600_000);
  });

  it("reads null for no header", () => {
    expect(parseRetryAfterMs(null, now)).toBeNull();
    expect(backoffDelayMs(2, null, highest)).toBe(4000);
  });
});
