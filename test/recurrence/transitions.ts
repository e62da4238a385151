import type { Zone } from "../../src/recurrence/time-zones.js";

const DAY = 86_400_000;

/** Zones with one-hour, two-hour (Troll) and half-hour (Lord Howe) transitions, in both hemispheres. */
export const TRANSITION_ZONES = [
  "America/Los_Angeles",
  "Europe/Berlin",
  "Australia/Sydney",
  "Antarctica/Troll",
  "Australia/Lord_Howe",
];

/** The first transition of the zone after fromMs and within a year of it, to the second; undefined if none. */
export function nextTransitionAfter(zone: Zone, fromMs: number): number | undefined {
  let low = fromMs;
  let high = fromMs + 366 * DAY;
  if (zone.transitionShiftWithin(low, high) === 0) return undefined;
  while (high - low > 1000) {
    const middle = low + Math.floor((high - low) / 2000) * 1000;
    if (zone.transitionShiftWithin(low, middle) > 0) high = middle;
    else low = middle;
  }
  return high;
}

/** Every transition of the zone in (fromMs, toMs], to the second. */
export function transitionsWithin(zone: Zone, fromMs: number, toMs: number): number[] {
  const found: number[] = [];
  for (let next = nextTransitionAfter(zone, fromMs); next !== undefined && next <= toMs;) {
    found.push(next);
    next = nextTransitionAfter(zone, next);
  }
  return found;
}
