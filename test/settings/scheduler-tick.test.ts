import { describe, expect, it } from "vitest";
import { missedTicks } from "../../src/scheduling/tick-health.js";
import { loadSettings, SettingsError } from "../../src/settings/settings.js";

/**
 * SCHEDULER_TICK is fired by the Functions host by NCRONTAB and read by /health with cron-parser (CONTRACT 4, 6):
 * only ticks both read alike start the service, so /health never waits for a tick that Azure does not fire.
 */

const STORAGE = "UseDevelopmentStorage=true";

function tickError(tick: string): string {
  try {
    loadSettings({ AzureWebJobsStorage: STORAGE, SCHEDULER_TICK: tick });
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as Error).message;
  }
  throw new Error(`SCHEDULER_TICK ${tick} was accepted`);
}

describe("SCHEDULER_TICK", () => {
  it("refuses a tick that restricts both day fields, naming the setting and why", () => {
    // Friday the 13th to NCRONTAB (both must match), every 13th and every Friday to cron-parser (either).
    expect(tickError("0 0 0 13 * 5")).toBe(
      "Invalid settings: SCHEDULER_TICK must not restrict both the day of the month and the day of the week: " +
        "the Functions host (NCRONTAB) fires on days that match both, cron-parser (used by /health and the " +
        "local host) on days that match either",
    );
    expect(tickError("0 */5 * 1-7 * MON")).toMatch(
      /^Invalid settings: SCHEDULER_TICK must not restrict both/,
    );
  });

  it("refuses what NCRONTAB cannot read: L, #, ? and weekday 7", () => {
    for (const tick of ["0 0 0 L * *", "0 0 0 * * 5L", "0 0 0 * * 1#2", "0 0 0 ? * 1", "0 0 0 * * 1W"]) {
      expect(tickError(tick)).toMatch(
        /^Invalid settings: SCHEDULER_TICK must be a six-field NCRONTAB expression/,
      );
    }
    expect(tickError("0 0 0 * * 7")).toMatch(
      /^Invalid settings: SCHEDULER_TICK must number weekdays 0 \(Sunday\) to 6/,
    );
  });

  it("accepts ticks that restrict one day field, or neither", () => {
    for (const tick of [
      "0 * * * * *",
      "*/10 * * * * *",
      "0 0 0 1 1 *",
      "0 30 9 * * MON-FRI",
      "0 0 */6 1,15 * *",
    ]) {
      expect(loadSettings({ AzureWebJobsStorage: STORAGE, SCHEDULER_TICK: tick }).SCHEDULER_TICK).toBe(tick);
    }
  });

  it("is counted by /health as the Functions host fires it, for a tick with one day field restricted", () => {
    // Weekdays at 09:30: from Friday 09:31 to Monday 09:31 one tick was due (Monday's), not three.
    const tick = loadSettings({
      AzureWebJobsStorage: STORAGE,
      SCHEDULER_TICK: "0 30 9 * * 1-5",
    }).SCHEDULER_TICK;
    expect(missedTicks(tick, new Date("2026-01-09T09:31:00Z"), new Date("2026-01-12T09:31:00Z"))).toBe(1);
  });
});
