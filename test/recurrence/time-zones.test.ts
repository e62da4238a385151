import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatLocalIso,
  resolveTimeZone,
  WINDOWS_ZONES_SUPPLEMENT,
  zoneOf,
  type Zone,
} from "../../src/recurrence/time-zones.js";
import { WINDOWS_ZONES } from "../../src/recurrence/windows-zones.generated.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const utc = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number =>
  Date.UTC(year, month - 1, day, hour, minute, second);
/** A local wall-clock time, encoded as UTC ms as the Zone API takes it. */
const wall = utc;

/** The `TimeZone` enum of the Azure ML SDK v1 (azureml-pipeline-core, azureml/pipeline/core/schedule.py). */
const AZURE_ML_SDK_TIME_ZONES = [
  "Dateline Standard Time",
  "UTC-11",
  "Aleutian Standard Time",
  "Hawaiian Standard Time",
  "Marquesas Standard Time",
  "Alaskan Standard Time",
  "UTC-09",
  "Pacific Standard Time (Mexico)",
  "UTC-08",
  "Pacific Standard Time",
  "US Mountain Standard Time",
  "Mountain Standard Time (Mexico)",
  "Mountain Standard Time",
  "Central America Standard Time",
  "Central Standard Time",
  "Easter Island Standard Time",
  "Central Standard Time (Mexico)",
  "Canada Central Standard Time",
  "SA Pacific Standard Time",
  "Eastern Standard Time (Mexico)",
  "Eastern Standard Time",
  "Haiti Standard Time",
  "Cuba Standard Time",
  "US Eastern Standard Time",
  "Paraguay Standard Time",
  "Atlantic Standard Time",
  "Venezuela Standard Time",
  "Central Brazilian Standard Time",
  "SA Western Standard Time",
  "Pacific SA Standard Time",
  "Turks And Caicos Standard Time",
  "Newfoundland Standard Time",
  "Tocantins Standard Time",
  "E. South America Standard Time",
  "SA Eastern Standard Time",
  "Argentina Standard Time",
  "Greenland Standard Time",
  "Montevideo Standard Time",
  "Saint Pierre Standard Time",
  "Bahia Standard Time",
  "UTC-02",
  "Mid-Atlantic Standard Time",
  "Azores Standard Time",
  "Cape Verde Standard Time",
  "UTC",
  "Morocco Standard Time",
  "GMT Standard Time",
  "Greenwich Standard Time",
  "W. Europe Standard Time",
  "Central Europe Standard Time",
  "Romance Standard Time",
  "Central European Standard Time",
  "W. Central Africa Standard Time",
  "Namibia Standard Time",
  "Jordan Standard Time",
  "GTB Standard Time",
  "Middle East Standard Time",
  "Egypt Standard Time",
  "E. Europe Standard Time",
  "Syria Standard Time",
  "West Bank Standard Time",
  "South Africa Standard Time",
  "FLE Standard Time",
  "Turkey Standard Time",
  "Israel Standard Time",
  "Kaliningrad Standard Time",
  "Libya Standard Time",
  "Arabic Standard Time",
  "Arab Standard Time",
  "Belarus Standard Time",
  "Russian Standard Time",
  "E. Africa Standard Time",
  "Iran Standard Time",
  "Arabian Standard Time",
  "Astrakhan Standard Time",
  "Azerbaijan Standard Time",
  "Russia Time Zone 3",
  "Mauritius Standard Time",
  "Georgian Standard Time",
  "Caucasus Standard Time",
  "Afghanistan Standard Time",
  "West Asia Standard Time",
  "Ekaterinburg Standard Time",
  "Pakistan Standard Time",
  "India Standard Time",
  "Sri Lanka Standard Time",
  "Nepal Standard Time",
  "Central Asia Standard Time",
  "Bangladesh Standard Time",
  "N. Central Asia Standard Time",
  "Myanmar Standard Time",
  "SE Asia Standard Time",
  "Altai Standard Time",
  "W. Mongolia Standard Time",
  "North Asia Standard Time",
  "Tomsk Standard Time",
  "China Standard Time",
  "North Asia East Standard Time",
  "Singapore Standard Time",
  "W. Australia Standard Time",
  "Taipei Standard Time",
  "Ulaanbaatar Standard Time",
  "North Korea Standard Time",
  "Aus Central W. Standard Time",
  "Transbaikal Standard Time",
  "Tokyo Standard Time",
  "Korea Standard Time",
  "Yakutsk Standard Time",
  "Cen. Australia Standard Time",
  "AUS Central Standard Time",
  "E. Australia Standard Time",
  "AUS Eastern Standard Time",
  "West Pacific Standard Time",
  "Tasmania Standard Time",
  "Vladivostok Standard Time",
  "Lord Howe Standard Time",
  "Bougainville Standard Time",
  "Russia Time Zone 10",
  "Magadan Standard Time",
  "Norfolk Standard Time",
  "Sakhalin Standard Time",
  "Central Pacific Standard Time",
  "Russia Time Zone 11",
  "New Zealand Standard Time",
  "UTC+12",
  "Fiji Standard Time",
  "Kamchatka Standard Time",
  "Chatham Islands Standard Time",
  "Tonga Standard Time",
  "Samoa Standard Time",
  "Line Islands Standard Time",
];

/** The offset Intl gives directly, computed independently of the transition tables. */
function intlOffset(instantMs: number, ianaName: string): number {
  const secondMs = Math.floor(instantMs / 1000) * 1000;
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: ianaName,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(secondMs);
  const field = (type: string): number => Number(parts.find((part) => part.type === type)?.value);
  return (
    utc(field("year"), field("month"), field("day"), field("hour"), field("minute"), field("second")) -
    secondMs
  );
}

function intlAccepts(ianaName: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: ianaName });
    return true;
  } catch {
    return false;
  }
}

describe("resolveTimeZone", () => {
  it.each([
    ["Pacific Standard Time", "America/Los_Angeles"],
    ["W. Europe Standard Time", "Europe/Berlin"],
    ["GMT Standard Time", "Europe/London"],
    ["AUS Eastern Standard Time", "Australia/Sydney"],
    ["Tokyo Standard Time", "Asia/Tokyo"],
    ["UTC-11", "Etc/GMT+11"],
    ["UTC+12", "Etc/GMT-12"],
    ["UTC", "UTC"],
    ["Mid-Atlantic Standard Time", "Etc/GMT+2"],
    ["Kamchatka Standard Time", "Asia/Kamchatka"],
  ])("maps the Windows id %s to %s", (windowsId, ianaName) => {
    expect(resolveTimeZone(windowsId)).toBe(ianaName);
  });

  it("matches Windows ids case-insensitively", () => {
    expect(resolveTimeZone("pacific standard time")).toBe("America/Los_Angeles");
    expect(resolveTimeZone("W. EUROPE STANDARD TIME")).toBe("Europe/Berlin");
    expect(resolveTimeZone("utc-11")).toBe("Etc/GMT+11");
  });

  it("returns Intl's canonical id of an IANA name, whatever its case", () => {
    expect(resolveTimeZone("America/Los_Angeles")).toBe("America/Los_Angeles");
    expect(resolveTimeZone("europe/london")).toBe("Europe/London");
    expect(resolveTimeZone("US/Pacific")).toBe("America/Los_Angeles");
    expect(resolveTimeZone("Etc/UTC")).toBe("UTC");
  });

  it.each(["Mars/Olympus_Mons", "Pacific Time", "", "+01:00", "Pacific Standard Time "])(
    "does not know %j",
    (name) => {
      expect(resolveTimeZone(name)).toBeUndefined();
    },
  );

  it("resolves every value of the Azure ML SDK's TimeZone enum", () => {
    const unresolved = AZURE_ML_SDK_TIME_ZONES.filter(
      (windowsId) => resolveTimeZone(windowsId) === undefined,
    );
    expect(unresolved).toEqual([]);
    expect(AZURE_ML_SDK_TIME_ZONES).toHaveLength(131);
  });

  it("resolves every Windows id of the generated table and the supplement to a zone Intl accepts", () => {
    const windowsIds = [...Object.keys(WINDOWS_ZONES), ...Object.keys(WINDOWS_ZONES_SUPPLEMENT)];
    expect(windowsIds.length).toBeGreaterThan(130);
    const rejected = windowsIds.filter((windowsId) => {
      const ianaName = resolveTimeZone(windowsId);
      return ianaName === undefined || !intlAccepts(ianaName);
    });
    expect(rejected).toEqual([]);
  });

  it("has a supplement only for ids CLDR lacks", () => {
    const cldrIds = new Set(Object.keys(WINDOWS_ZONES).map((windowsId) => windowsId.toLowerCase()));
    for (const windowsId of Object.keys(WINDOWS_ZONES_SUPPLEMENT)) {
      expect(cldrIds.has(windowsId.toLowerCase())).toBe(false);
    }
  });
});

describe("zoneOf", () => {
  it("gives one zone for a Windows id and its IANA name", () => {
    const zone = zoneOf("Pacific Standard Time");
    expect(zone.name).toBe("America/Los_Angeles");
    expect(zoneOf("America/Los_Angeles")).toBe(zone);
    expect(zoneOf("Pacific Standard Time")).toBe(zone);
  });

  it("throws an error naming an unknown zone", () => {
    expect(() => zoneOf("Mars/Olympus_Mons")).toThrow(/Mars\/Olympus_Mons/);
  });

  it("has UTC, with no transitions", () => {
    const zone = zoneOf("UTC");
    expect(zone.name).toBe("UTC");
    expect(zone.offsetAt(utc(2026, 7, 1))).toBe(0);
    expect(zone.wallAt(utc(2026, 7, 1, 12))).toBe(utc(2026, 7, 1, 12));
    expect(zone.instantOfWall(wall(2026, 3, 8, 2, 30))).toBe(utc(2026, 3, 8, 2, 30));
    expect(zone.secondInstantOfWall(wall(2026, 11, 1, 1, 30))).toBeUndefined();
    expect(zone.transitionShiftWithin(utc(2026, 1, 1), utc(2027, 1, 1))).toBe(0);
  });

  it("has fixed-offset Windows zones", () => {
    const zone = zoneOf("UTC-11");
    expect(zone.offsetAt(utc(2026, 7, 1))).toBe(-11 * HOUR);
    expect(zone.instantOfWall(wall(2026, 7, 1, 1))).toBe(utc(2026, 7, 1, 12));
  });
});

describe("America/Los_Angeles in 2026 (Mar 8 02:00 -> 03:00, Nov 1 02:00 -> 01:00)", () => {
  const zone = zoneOf("America/Los_Angeles");

  it("changes the offset at the exact instants", () => {
    expect(zone.offsetAt(utc(2026, 3, 8, 9, 59, 59) + 999)).toBe(-8 * HOUR);
    expect(zone.offsetAt(utc(2026, 3, 8, 10))).toBe(-7 * HOUR);
    expect(zone.offsetAt(utc(2026, 11, 1, 8, 59, 59) + 999)).toBe(-7 * HOUR);
    expect(zone.offsetAt(utc(2026, 11, 1, 9))).toBe(-8 * HOUR);
  });

  it("reads the wall clock of an instant", () => {
    expect(zone.wallAt(utc(2026, 3, 8, 9, 59, 59))).toBe(wall(2026, 3, 8, 1, 59, 59));
    expect(zone.wallAt(utc(2026, 3, 8, 10))).toBe(wall(2026, 3, 8, 3));
    expect(zone.wallAt(utc(2026, 11, 1, 8, 30))).toBe(wall(2026, 11, 1, 1, 30));
    expect(zone.wallAt(utc(2026, 11, 1, 9, 30))).toBe(wall(2026, 11, 1, 1, 30));
  });

  it("moves a wall time in the spring-forward gap forward by the gap", () => {
    expect(zone.instantOfWall(wall(2026, 3, 8, 2, 30))).toBe(utc(2026, 3, 8, 10, 30));
    expect(zone.wallAt(zone.instantOfWall(wall(2026, 3, 8, 2, 30)))).toBe(wall(2026, 3, 8, 3, 30));
    expect(zone.instantOfWall(wall(2026, 3, 8, 2))).toBe(utc(2026, 3, 8, 10));
    expect(zone.secondInstantOfWall(wall(2026, 3, 8, 2, 30))).toBeUndefined();
  });

  it("keeps wall times just before and after the gap", () => {
    expect(zone.instantOfWall(wall(2026, 3, 8, 1, 59, 59))).toBe(utc(2026, 3, 8, 9, 59, 59));
    expect(zone.instantOfWall(wall(2026, 3, 8, 3))).toBe(utc(2026, 3, 8, 10));
  });

  it("maps a wall time in the fall-back fold to its first occurrence, and gives the second", () => {
    expect(zone.instantOfWall(wall(2026, 11, 1, 1, 30))).toBe(utc(2026, 11, 1, 8, 30));
    expect(zone.secondInstantOfWall(wall(2026, 11, 1, 1, 30))).toBe(utc(2026, 11, 1, 9, 30));
    expect(zone.instantOfWall(wall(2026, 11, 1, 1))).toBe(utc(2026, 11, 1, 8));
    expect(zone.secondInstantOfWall(wall(2026, 11, 1, 1))).toBe(utc(2026, 11, 1, 9));
  });

  it("keeps wall times just before and after the fold", () => {
    expect(zone.instantOfWall(wall(2026, 11, 1, 0, 59, 59))).toBe(utc(2026, 11, 1, 7, 59, 59));
    expect(zone.secondInstantOfWall(wall(2026, 11, 1, 0, 59, 59))).toBeUndefined();
    expect(zone.instantOfWall(wall(2026, 11, 1, 2))).toBe(utc(2026, 11, 1, 10));
    expect(zone.secondInstantOfWall(wall(2026, 11, 1, 2))).toBeUndefined();
  });

  it("reports the shift of a transition within a range, bounds included", () => {
    expect(zone.transitionShiftWithin(utc(2026, 3, 8), utc(2026, 3, 9))).toBe(HOUR);
    expect(zone.transitionShiftWithin(utc(2026, 3, 8, 10), utc(2026, 3, 8, 10))).toBe(HOUR);
    expect(zone.transitionShiftWithin(utc(2026, 11, 1, 9), utc(2026, 11, 2))).toBe(HOUR);
    expect(zone.transitionShiftWithin(utc(2026, 3, 8, 10) + 1, utc(2026, 11, 1, 9) - 1)).toBe(0);
    expect(zone.transitionShiftWithin(utc(2026, 3, 9), utc(2026, 3, 8))).toBe(0);
  });

  it("formats local ISO text in winter and summer", () => {
    expect(formatLocalIso(utc(2026, 11, 22, 10, 30), zone)).toBe("2026-11-22T02:30:00-08:00");
    expect(formatLocalIso(utc(2026, 7, 1, 9, 30, 15) + 999, zone)).toBe("2026-07-01T02:30:15-07:00");
  });
});

describe("Europe/Berlin in 2026 (Mar 29 02:00 -> 03:00, Oct 25 03:00 -> 02:00)", () => {
  const zone = zoneOf("W. Europe Standard Time");

  it("changes the offset at 01:00 UTC", () => {
    expect(zone.offsetAt(utc(2026, 3, 29, 0, 59, 59))).toBe(HOUR);
    expect(zone.offsetAt(utc(2026, 3, 29, 1))).toBe(2 * HOUR);
    expect(zone.offsetAt(utc(2026, 10, 25, 0, 59, 59))).toBe(2 * HOUR);
    expect(zone.offsetAt(utc(2026, 10, 25, 1))).toBe(HOUR);
  });

  it("resolves gap and fold wall times", () => {
    expect(zone.instantOfWall(wall(2026, 3, 29, 2, 30))).toBe(utc(2026, 3, 29, 1, 30));
    expect(zone.wallAt(utc(2026, 3, 29, 1, 30))).toBe(wall(2026, 3, 29, 3, 30));
    expect(zone.instantOfWall(wall(2026, 3, 29, 1, 59, 59))).toBe(utc(2026, 3, 29, 0, 59, 59));
    expect(zone.instantOfWall(wall(2026, 10, 25, 2, 30))).toBe(utc(2026, 10, 25, 0, 30));
    expect(zone.secondInstantOfWall(wall(2026, 10, 25, 2, 30))).toBe(utc(2026, 10, 25, 1, 30));
    expect(zone.instantOfWall(wall(2026, 10, 25, 3))).toBe(utc(2026, 10, 25, 2));
  });

  it("formats local ISO text", () => {
    expect(formatLocalIso(utc(2026, 1, 15, 17, 30), zone)).toBe("2026-01-15T18:30:00+01:00");
    expect(formatLocalIso(utc(2026, 7, 15, 16, 30), zone)).toBe("2026-07-15T18:30:00+02:00");
  });
});

describe("Europe/London in 2026 (Mar 29 01:00 -> 02:00, Oct 25 02:00 -> 01:00)", () => {
  const zone = zoneOf("GMT Standard Time");

  it("resolves gap and fold wall times", () => {
    expect(zone.instantOfWall(wall(2026, 3, 29, 1, 30))).toBe(utc(2026, 3, 29, 1, 30));
    expect(zone.wallAt(utc(2026, 3, 29, 1, 30))).toBe(wall(2026, 3, 29, 2, 30));
    expect(zone.instantOfWall(wall(2026, 10, 25, 1, 30))).toBe(utc(2026, 10, 25, 0, 30));
    expect(zone.secondInstantOfWall(wall(2026, 10, 25, 1, 30))).toBe(utc(2026, 10, 25, 1, 30));
  });

  it("formats GMT as +00:00 and BST as +01:00", () => {
    expect(formatLocalIso(utc(2026, 1, 15, 9), zone)).toBe("2026-01-15T09:00:00+00:00");
    expect(formatLocalIso(utc(2026, 7, 15, 9), zone)).toBe("2026-07-15T10:00:00+01:00");
  });
});

describe("Australia/Sydney in 2026 (Apr 5 03:00 -> 02:00, Oct 4 02:00 -> 03:00)", () => {
  const zone = zoneOf("AUS Eastern Standard Time");

  it("changes the offset at the exact instants", () => {
    expect(zone.offsetAt(utc(2026, 4, 4, 15, 59, 59))).toBe(11 * HOUR);
    expect(zone.offsetAt(utc(2026, 4, 4, 16))).toBe(10 * HOUR);
    expect(zone.offsetAt(utc(2026, 10, 3, 15, 59, 59))).toBe(10 * HOUR);
    expect(zone.offsetAt(utc(2026, 10, 3, 16))).toBe(11 * HOUR);
  });

  it("maps a wall time in the April fold to its first occurrence, and gives the second", () => {
    expect(zone.instantOfWall(wall(2026, 4, 5, 2, 30))).toBe(utc(2026, 4, 4, 15, 30));
    expect(zone.secondInstantOfWall(wall(2026, 4, 5, 2, 30))).toBe(utc(2026, 4, 4, 16, 30));
    expect(zone.instantOfWall(wall(2026, 4, 5, 1, 59, 59))).toBe(utc(2026, 4, 4, 14, 59, 59));
    expect(zone.instantOfWall(wall(2026, 4, 5, 3))).toBe(utc(2026, 4, 4, 17));
  });

  it("moves a wall time in the October gap forward by the gap", () => {
    expect(zone.instantOfWall(wall(2026, 10, 4, 2, 30))).toBe(utc(2026, 10, 3, 16, 30));
    expect(zone.wallAt(utc(2026, 10, 3, 16, 30))).toBe(wall(2026, 10, 4, 3, 30));
    expect(zone.secondInstantOfWall(wall(2026, 10, 4, 2, 30))).toBeUndefined();
    expect(zone.instantOfWall(wall(2026, 10, 4, 1, 59, 59))).toBe(utc(2026, 10, 3, 15, 59, 59));
  });

  it("reports the shift of each transition", () => {
    expect(zone.transitionShiftWithin(utc(2026, 4, 4), utc(2026, 4, 5))).toBe(HOUR);
    expect(zone.transitionShiftWithin(utc(2026, 10, 3), utc(2026, 10, 4))).toBe(HOUR);
    expect(zone.transitionShiftWithin(utc(2026, 5, 1), utc(2026, 9, 1))).toBe(0);
  });

  it("formats local ISO text in summer and winter", () => {
    expect(formatLocalIso(utc(2026, 1, 15), zone)).toBe("2026-01-15T11:00:00+11:00");
    expect(formatLocalIso(utc(2026, 7, 15), zone)).toBe("2026-07-15T10:00:00+10:00");
  });
});

describe("unusual transitions", () => {
  it("finds a transition at an odd second (Africa/Monrovia left -00:44:30 on 1972-01-07)", () => {
    const zone = zoneOf("Africa/Monrovia");
    const transition = utc(1972, 1, 7, 0, 44, 30);
    expect(zone.offsetAt(transition - 1)).toBe(-(44 * 60 + 30) * 1000);
    expect(zone.offsetAt(transition)).toBe(0);
    expect(zone.transitionShiftWithin(utc(1972, 1, 1), utc(1972, 2, 1))).toBe((44 * 60 + 30) * 1000);
    expect(formatLocalIso(utc(1971, 1, 1), zone)).toBe("1970-12-31T23:15:30-00:44:30");
  });

  it("skips a whole day (Pacific/Apia moved from -10:00 to +14:00 after 2011-12-29)", () => {
    const zone = zoneOf("Pacific/Apia");
    expect(zone.instantOfWall(wall(2011, 12, 30, 12))).toBe(utc(2011, 12, 30, 22));
    expect(zone.wallAt(utc(2011, 12, 30, 22))).toBe(wall(2011, 12, 31, 12));
    expect(zone.transitionShiftWithin(utc(2011, 12, 29), utc(2011, 12, 31))).toBe(24 * HOUR);
  });

  it("formats offsets that are not whole hours", () => {
    expect(formatLocalIso(utc(2026, 1, 15), zoneOf("Nepal Standard Time"))).toBe("2026-01-15T05:45:00+05:45");
    expect(formatLocalIso(utc(2026, 1, 15), zoneOf("Newfoundland Standard Time"))).toBe(
      "2026-01-14T20:30:00-03:30",
    );
  });
});

/** The first transition after fromMs (to the millisecond), found through offsetAt alone. */
function nextTransition(zone: Zone, fromMs: number): number {
  const offset = zone.offsetAt(fromMs);
  let lowMs = fromMs;
  while (zone.offsetAt(lowMs + DAY) === offset) lowMs += DAY;
  let highMs = lowMs + DAY;
  while (highMs - lowMs > 1) {
    const middleMs = Math.floor((lowMs + highMs) / 2);
    if (zone.offsetAt(middleMs) === offset) lowMs = middleMs;
    else highMs = middleMs;
  }
  return highMs;
}

describe("properties over 1970-2100", () => {
  const zoneNames = [
    "America/Los_Angeles",
    "Europe/Berlin",
    "Australia/Sydney",
    "Africa/Casablanca",
    "Pacific/Chatham",
    "America/Sao_Paulo",
  ];
  const instants = fc.integer({ min: utc(1970, 1, 1), max: utc(2100, 1, 1) });

  it("offsetAt equals the offset Intl computes", () => {
    fc.assert(
      fc.property(fc.constantFrom(...zoneNames), instants, (name, instantMs) => {
        expect(zoneOf(name).offsetAt(instantMs)).toBe(intlOffset(instantMs, name));
      }),
      { numRuns: 300 },
    );
  });

  it("instantOfWall(wallAt(t)) is t, unless t is a wall time's second occurrence", () => {
    fc.assert(
      fc.property(fc.constantFrom(...zoneNames), instants, (name, instantMs) => {
        const zone = zoneOf(name);
        const wallMs = zone.wallAt(instantMs);
        if (zone.secondInstantOfWall(wallMs) === instantMs) {
          expect(zone.instantOfWall(wallMs)).toBeLessThan(instantMs);
          expect(zone.wallAt(zone.instantOfWall(wallMs))).toBe(wallMs);
        } else {
          expect(zone.instantOfWall(wallMs)).toBe(instantMs);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("instantOfWall and secondInstantOfWall follow CONTRACT 2.1 rule 3 around every transition", () => {
    const transitionZones = ["America/Los_Angeles", "Europe/Berlin", "Australia/Sydney", "Pacific/Chatham"];
    const nearTransitions = fc.record({
      name: fc.constantFrom(...transitionZones),
      fromMs: instants,
      wallDeltaMs: fc.integer({ min: -3 * HOUR, max: 3 * HOUR }),
    });
    fc.assert(
      fc.property(nearTransitions, ({ name, fromMs, wallDeltaMs }) => {
        const zone = zoneOf(name);
        const transitionMs = nextTransition(zone, fromMs);
        const before = zone.offsetAt(transitionMs - 1);
        const after = zone.offsetAt(transitionMs);
        const wallMs = transitionMs + before + wallDeltaMs;
        const inFoldOrGap =
          wallMs >= transitionMs + Math.min(before, after) && wallMs < transitionMs + Math.max(before, after);
        const onlyAfter = wallMs >= transitionMs + Math.max(before, after);
        // Before the transition, in its gap or its fold (first occurrence): read with the earlier offset.
        expect(zone.instantOfWall(wallMs)).toBe(wallMs - (onlyAfter ? after : before));
        expect(zone.secondInstantOfWall(wallMs)).toBe(
          inFoldOrGap && after < before ? wallMs - after : undefined,
        );
      }),
      { numRuns: 300 },
    );
  });
});
