/**
 * Time zones of triggers (CONTRACT 2.1 `timeZone`, rule 3 "Daylight-saving time"): Windows ids of the Azure ML
 * SDK v1 `TimeZone` enum or IANA names, and the offset arithmetic the recurrence engine runs on.
 *
 * Offsets come from Intl (the runtime's ICU tz data), read once per zone and ~year into a table of transitions,
 * so the engine's hot path does table look-ups only.
 */
import { WINDOWS_ZONES } from "./windows-zones.generated.js";

/** Windows ids of the SDK's `TimeZone` enum that CLDR's windowsZones no longer maps. */
export const WINDOWS_ZONES_SUPPLEMENT: Readonly<Record<string, string>> = Object.freeze({
  // Windows "(UTC-02:00) Mid-Atlantic - Old", dropped by CLDR: UTC-02 without DST, as its successor "UTC-02".
  "Mid-Atlantic Standard Time": "Etc/GMT+2",
  // Windows "(UTC+12:00) Petropavlovsk-Kamchatsky - Old", dropped by CLDR: the zone it was named after.
  "Kamchatka Standard Time": "Asia/Kamchatka",
});

/** Windows ids match case-insensitively, as Windows' own registry keys do. */
const ianaNameByWindowsId = new Map<string, string>(
  Object.entries({ ...WINDOWS_ZONES, ...WINDOWS_ZONES_SUPPLEMENT }).map(([windowsId, ianaName]) => [
    windowsId.toLowerCase(),
    ianaName,
  ]),
);

/** Keyed by lower-cased name: Windows ids and IANA names (ECMA-402) are both case-insensitive. */
const resolvedNames = new Map<string, string>();

/** Windows id (Azure ML SDK `TimeZone` enum / CLDR windowsZones) or IANA name -> canonical IANA id; undefined if unknown. */
export function resolveTimeZone(name: string): string | undefined {
  const key = name.toLowerCase();
  const cached = resolvedNames.get(key);
  if (cached !== undefined) return cached;
  const canonical = canonicalIanaName(ianaNameByWindowsId.get(key) ?? name);
  if (canonical !== undefined) resolvedNames.set(key, canonical);
  return canonical;
}

function canonicalIanaName(name: string): string | undefined {
  // IANA names start with a letter; newer runtimes also take offsets ("+01:00") as zones, which the contract does not.
  if (!/^[A-Za-z]/.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

export interface Zone {
  /** IANA id. */
  readonly name: string;
  /** UTC offset in ms at that instant: wall = instant + offset. */
  offsetAt(instantMs: number): number;
  /** The local wall clock of an instant, encoded as UTC ms. */
  wallAt(instantMs: number): number;
  /**
   * The instant of a local wall-clock time (encoded as UTC ms), by CONTRACT 2.1 rule 3: a wall time inside a
   * spring-forward gap is moved forward by the length of the gap (02:30 in a 02:00->03:00 gap -> 03:30 new time,
   * i.e. wallMs - offsetBeforeTransition); a wall time that occurs twice (fall back) maps to its FIRST occurrence.
   */
  instantOfWall(wallMs: number): number;
  /** When wallMs occurs twice (fall back), the second (later) instant; otherwise undefined. */
  secondInstantOfWall(wallMs: number): number | undefined;
  /** The largest absolute offset change (ms) of any transition at an instant within [fromMs, toMs]; 0 if none. */
  transitionShiftWithin(fromMs: number, toMs: number): number;
  /** How the wall times from wallMs on map to instants, up to the next wall time where a transition changes that. */
  wallRunAt(wallMs: number): WallRun;
}

/**
 * A run of consecutive wall times [wallMs, endWallMs) that all map to instants by one translation: each wall
 * time's instant is `wall - firstOffsetMs` (by CONTRACT 2.1 rule 3, so in a gap the offset before it), and in a
 * fold also `wall - secondOffsetMs`. The mapping changes only at a transition's two wall times (the clock just
 * before and just after it), so a run is found from the transitions near wallMs.
 */
export interface WallRun {
  readonly firstOffsetMs: number;
  readonly secondOffsetMs: number | undefined;
  readonly endWallMs: number;
}

/** Beyond every offset tzdata knows (LMT reaches +15:13:42 and -15:56:08): t = wall - offset is within it. */
export const MAX_ZONE_OFFSET_MS = 26 * 3_600_000;

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;
/**
 * Transitions are tabulated per span of this length; a whole number of seconds, as tz transitions are. A month
 * rather than a year, so that mapping one wall time in a year not seen before samples a month of offsets, not a
 * year of them: a yearly schedule previewed over a century costs a few ms, not a third of a second.
 */
const SPAN_MS = 32 * DAY_MS;
/** About 90 years of spans per zone, a few hundred kB. */
const MAX_CACHED_SPANS = 1024;
/**
 * Offsets are sampled this often, then bisected to the second. tzdata's closest pair of transitions that undo
 * each other is 4 days apart (Africa/Freetown, 1939), so daily samples see every transition.
 */
const SAMPLE_STEP_MS = DAY_MS;
const MAX_OFFSET_MS = MAX_ZONE_OFFSET_MS;

interface Transition {
  readonly atMs: number;
  readonly offsetAfterMs: number;
}

interface OffsetSpan {
  /** The offset in force just before the span starts. */
  readonly offsetBeforeMs: number;
  /** The transitions at instants in [start, start + SPAN_MS), ascending. */
  readonly transitions: readonly Transition[];
}

/** A zone whose offsets are read from Intl and kept as a table of transitions, built lazily per span. */
class TransitionTableZone implements Zone {
  private readonly spans = new Map<number, OffsetSpan>();
  private lastSpanKey = Number.NaN;
  private lastSpan: OffsetSpan = { offsetBeforeMs: 0, transitions: [] };
  /** Reused by every look-up, so the hot path allocates nothing. */
  private readonly found: Transition[] = [];

  constructor(
    readonly name: string,
    private readonly sampleOffset: (secondMs: number) => number,
  ) {}

  offsetAt(instantMs: number): number {
    const span = this.spanAt(Math.floor(instantMs / SPAN_MS));
    let offset = span.offsetBeforeMs;
    for (const transition of span.transitions) {
      if (transition.atMs > instantMs) break;
      offset = transition.offsetAfterMs;
    }
    return offset;
  }

  wallAt(instantMs: number): number {
    return instantMs + this.offsetAt(instantMs);
  }

  instantOfWall(wallMs: number): number {
    // The offset is piecewise constant; the wall time occurs in each piece [start, end) holding wall - offset.
    let offset = this.collectTransitions(wallMs - MAX_OFFSET_MS, wallMs + MAX_OFFSET_MS);
    let startMs = Number.NEGATIVE_INFINITY;
    let gapInstant = Number.NaN;
    for (let index = 0; ; index++) {
      const next = this.found[index];
      const endMs = next === undefined ? Number.POSITIVE_INFINITY : next.atMs;
      const candidate = wallMs - offset;
      if (candidate >= startMs && candidate < endMs) return candidate;
      // The clock skips the wall time at this transition: keep the offset before it, which lands the instant
      // after the transition by the gap's length (CONTRACT 2.1 rule 3). Later pieces may still hold it.
      if (next === undefined) return gapInstant;
      if (Number.isNaN(gapInstant) && candidate >= endMs && wallMs - next.offsetAfterMs < endMs) {
        gapInstant = candidate;
      }
      startMs = endMs;
      offset = next.offsetAfterMs;
    }
  }

  secondInstantOfWall(wallMs: number): number | undefined {
    let offset = this.collectTransitions(wallMs - MAX_OFFSET_MS, wallMs + MAX_OFFSET_MS);
    let startMs = Number.NEGATIVE_INFINITY;
    let occurrences = 0;
    for (let index = 0; ; index++) {
      const next = this.found[index];
      const endMs = next === undefined ? Number.POSITIVE_INFINITY : next.atMs;
      const candidate = wallMs - offset;
      if (candidate >= startMs && candidate < endMs && ++occurrences === 2) return candidate;
      if (next === undefined) return undefined;
      startMs = endMs;
      offset = next.offsetAfterMs;
    }
  }

  transitionShiftWithin(fromMs: number, toMs: number): number {
    if (toMs < fromMs) return 0;
    let offset = this.collectTransitions(fromMs - 1, toMs);
    let shift = 0;
    for (const transition of this.found) {
      shift = Math.max(shift, Math.abs(transition.offsetAfterMs - offset));
      offset = transition.offsetAfterMs;
    }
    return shift;
  }

  wallRunAt(wallMs: number): WallRun {
    // One pass over the pieces of constant offset, as instantOfWall and secondInstantOfWall make. A transition at
    // t moves the mapping at the wall times t + offset before and t + offset after, both within MAX_OFFSET_MS of t;
    // a run is capped at that distance so that later transitions need not be looked at.
    let offset = this.collectTransitions(wallMs - MAX_OFFSET_MS, wallMs + 2 * MAX_OFFSET_MS);
    let startMs = Number.NEGATIVE_INFINITY;
    let firstMs = Number.NaN;
    let secondMs: number | undefined;
    let gapMs = Number.NaN;
    let endWallMs = wallMs + MAX_OFFSET_MS;
    for (let index = 0; ; index++) {
      const next = this.found[index];
      const endMs = next === undefined ? Number.POSITIVE_INFINITY : next.atMs;
      const candidate = wallMs - offset;
      if (candidate >= startMs && candidate < endMs) {
        if (Number.isNaN(firstMs)) firstMs = candidate;
        else secondMs ??= candidate;
      }
      if (next === undefined) break;
      if (Number.isNaN(gapMs) && candidate >= endMs && wallMs - next.offsetAfterMs < endMs) gapMs = candidate;
      const beforeWallMs = next.atMs + offset;
      const afterWallMs = next.atMs + next.offsetAfterMs;
      if (beforeWallMs > wallMs && beforeWallMs < endWallMs) endWallMs = beforeWallMs;
      if (afterWallMs > wallMs && afterWallMs < endWallMs) endWallMs = afterWallMs;
      startMs = endMs;
      offset = next.offsetAfterMs;
    }
    // A wall time no piece holds is in a gap: it keeps the offset before it (CONTRACT 2.1 rule 3).
    if (Number.isNaN(firstMs)) firstMs = gapMs;
    return {
      firstOffsetMs: wallMs - firstMs,
      secondOffsetMs: secondMs === undefined ? undefined : wallMs - secondMs,
      endWallMs,
    };
  }

  /** Fills `found` with the transitions at instants in (fromMs, toMs]; returns the offset at fromMs. */
  private collectTransitions(fromMs: number, toMs: number): number {
    this.found.length = 0;
    const offsetBefore = this.offsetAt(fromMs);
    const lastKey = Math.floor(toMs / SPAN_MS);
    for (let key = Math.floor(fromMs / SPAN_MS); key <= lastKey; key++) {
      for (const transition of this.spanAt(key).transitions) {
        if (transition.atMs > fromMs && transition.atMs <= toMs) this.found.push(transition);
      }
    }
    return offsetBefore;
  }

  private spanAt(key: number): OffsetSpan {
    if (key === this.lastSpanKey) return this.lastSpan;
    let span = this.spans.get(key);
    if (span === undefined) {
      span = this.tabulateSpan(key * SPAN_MS);
      // Requests may name any year up to 9999: keep the memory a zone holds bounded, at the cost of re-reading.
      if (this.spans.size >= MAX_CACHED_SPANS) this.spans.clear();
      this.spans.set(key, span);
    }
    this.lastSpanKey = key;
    this.lastSpan = span;
    return span;
  }

  private tabulateSpan(startMs: number): OffsetSpan {
    const lastSecondMs = startMs + SPAN_MS - SECOND_MS;
    let cursorMs = startMs - SECOND_MS;
    let offset = this.sampleOffset(cursorMs);
    const offsetBeforeMs = offset;
    const transitions: Transition[] = [];
    while (cursorMs < lastSecondMs) {
      const probeMs = Math.min(cursorMs + SAMPLE_STEP_MS, lastSecondMs);
      const probeOffset = this.sampleOffset(probeMs);
      if (probeOffset === offset) {
        cursorMs = probeMs;
        continue;
      }
      // Bisect to the first second in (cursor, probe] whose offset differs: transitions fall on whole seconds,
      // not always on whole minutes (Africa/Monrovia moved from -00:44:30 in 1972).
      let sameMs = cursorMs;
      let changedMs = probeMs;
      let changedOffset = probeOffset;
      while (changedMs - sameMs > SECOND_MS) {
        const middleMs = sameMs + Math.floor((changedMs - sameMs) / 2 / SECOND_MS) * SECOND_MS;
        const middleOffset = this.sampleOffset(middleMs);
        if (middleOffset === offset) {
          sameMs = middleMs;
        } else {
          changedMs = middleMs;
          changedOffset = middleOffset;
        }
      }
      transitions.push({ atMs: changedMs, offsetAfterMs: changedOffset });
      cursorMs = changedMs;
      offset = changedOffset;
    }
    return { offsetBeforeMs, transitions };
  }
}

/** A zone whose offset never changes (UTC, Etc/GMT+2). */
class FixedOffsetZone implements Zone {
  constructor(
    readonly name: string,
    private readonly offsetMs: number,
  ) {}

  offsetAt(): number {
    return this.offsetMs;
  }

  wallAt(instantMs: number): number {
    return instantMs + this.offsetMs;
  }

  instantOfWall(wallMs: number): number {
    return wallMs - this.offsetMs;
  }

  secondInstantOfWall(): undefined {
    return undefined;
  }

  transitionShiftWithin(): number {
    return 0;
  }

  wallRunAt(): WallRun {
    return { firstOffsetMs: this.offsetMs, secondOffsetMs: undefined, endWallMs: Number.POSITIVE_INFINITY };
  }
}

/** en-US's numeric form, "1/31/2026 AD, 02:30:00": parsed directly, as format() costs half of formatToParts(). */
const EN_US_DATE_TIME = /^(\d+)\/(\d+)\/(\d+) (AD|BC), (\d+):(\d+):(\d+)$/;

/** The offset of an instant (whole seconds) as Intl's tz data gives it: its wall-clock fields minus itself. */
function intlOffsetSampler(ianaName: string): (secondMs: number) => number {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: ianaName,
    hourCycle: "h23",
    era: "short",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const wallFields = (secondMs: number): number[] => {
    const match = EN_US_DATE_TIME.exec(format.format(secondMs));
    if (match) {
      const [, month, day, year, era, hour, minute, second] = match;
      return [
        Number(year),
        era === "BC" ? 1 : 0,
        Number(month),
        Number(day),
        Number(hour),
        Number(minute),
        Number(second),
      ];
    }
    // Another ICU may punctuate differently; the parts are the same whatever the punctuation.
    const fields = [0, 0, 0, 0, 0, 0, 0];
    for (const part of format.formatToParts(secondMs)) {
      if (part.type === "year") fields[0] = Number(part.value);
      else if (part.type === "era") fields[1] = part.value === "BC" ? 1 : 0;
      else if (part.type === "month") fields[2] = Number(part.value);
      else if (part.type === "day") fields[3] = Number(part.value);
      else if (part.type === "hour") fields[4] = Number(part.value);
      else if (part.type === "minute") fields[5] = Number(part.value);
      else if (part.type === "second") fields[6] = Number(part.value);
    }
    return fields;
  };
  return (secondMs) => {
    const [year = 0, beforeCommonEra = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0] =
      wallFields(secondMs);
    const wall = new Date(0);
    // setUTCFullYear, unlike Date.UTC, takes years 0-99 literally.
    wall.setUTCFullYear(beforeCommonEra === 1 ? 1 - year : year, month - 1, day);
    wall.setUTCHours(hour, minute, second, 0);
    return wall.getTime() - secondMs;
  };
}

/** Zones in tzdata's "Etc" area and UTC itself never change their offset. */
const FIXED_OFFSET_ZONE = /^(?:UTC|GMT|Etc\/.+)$/;

function createZone(ianaName: string): Zone {
  if (ianaName === "UTC") return new FixedOffsetZone(ianaName, 0);
  const sampleOffset = intlOffsetSampler(ianaName);
  if (FIXED_OFFSET_ZONE.test(ianaName)) return new FixedOffsetZone(ianaName, sampleOffset(0));
  return new TransitionTableZone(ianaName, sampleOffset);
}

const zonesByName = new Map<string, Zone>();

/** Cached per name; throws an Error naming the zone when it is unknown. Accepts Windows ids and IANA names. */
export function zoneOf(name: string): Zone {
  const cached = zonesByName.get(name);
  if (cached !== undefined) return cached;
  const ianaName = resolveTimeZone(name);
  if (ianaName === undefined) {
    throw new RangeError(`Unknown time zone "${name}": not a Windows time zone id or an IANA time zone name`);
  }
  const zone = zonesByName.get(ianaName) ?? createZone(ianaName);
  zonesByName.set(ianaName, zone);
  zonesByName.set(name, zone);
  return zone;
}

/** ISO 8601 with the zone's offset at that instant, seconds precision: "2026-11-22T02:30:00-08:00" ("+00:00" for UTC). */
export function formatLocalIso(instantMs: number, zone: Zone): string {
  const offsetMs = zone.offsetAt(instantMs);
  const wallSecondMs = Math.floor((instantMs + offsetMs) / SECOND_MS) * SECOND_MS;
  // toISOString ends in ".sssZ"; the wall clock has no zone of its own.
  return new Date(wallSecondMs).toISOString().slice(0, -5) + formatOffset(offsetMs);
}

/** "+hh:mm"; "+hh:mm:ss" only for the historical offsets that are not whole minutes, so the text stays exact. */
function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const totalSeconds = Math.round(Math.abs(offsetMs) / SECOND_MS);
  const hours = String(Math.floor(totalSeconds / 3600)).padStart(2, "0");
  const minutes = String(Math.floor(totalSeconds / 60) % 60).padStart(2, "0");
  const seconds = totalSeconds % 60;
  return `${sign}${hours}:${minutes}${seconds === 0 ? "" : `:${String(seconds).padStart(2, "0")}`}`;
}
