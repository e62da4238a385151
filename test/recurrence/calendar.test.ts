import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  daysInMonthIndex,
  firstDayOfMonthIndex,
  monthIndexOf,
  monthIndexOfDay,
  weekdayOfDay,
} from "../../src/recurrence/calendar.js";

describe("calendar arithmetic", () => {
  it("agrees with Date on every month from 1900 to 2400", () => {
    for (let year = 1900; year <= 2400; year++) {
      for (let month = 1; month <= 12; month++) {
        const index = monthIndexOf(year, month);
        const firstDay = Date.UTC(year, month - 1, 1) / DAY_MS;
        expect(firstDayOfMonthIndex(index)).toBe(firstDay);
        expect(daysInMonthIndex(index)).toBe(new Date(Date.UTC(year, month, 0)).getUTCDate());
        expect(monthIndexOfDay(firstDay)).toBe(index);
        expect(monthIndexOfDay(firstDay - 1)).toBe(index - 1);
      }
    }
  });

  it("numbers weekdays from Monday (0) to Sunday (6), before and after 1970", () => {
    expect(weekdayOfDay(Date.UTC(2026, 0, 5) / DAY_MS)).toBe(0);
    expect(weekdayOfDay(Date.UTC(2026, 0, 11) / DAY_MS)).toBe(6);
    expect(weekdayOfDay(Date.UTC(1969, 11, 28) / DAY_MS)).toBe(6);
    expect(weekdayOfDay(0)).toBe(3);
  });
});
