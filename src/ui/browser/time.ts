import { config } from "./page.js";

export const MINUTE = 60000;
export const DAY = 1440 * MINUTE;

interface Zone {
  /** The date and time as the page shows them: "Mon, 23 Nov 2026, 18:30". */
  text: Intl.DateTimeFormat;
  /** The wall clock's fields, for computing with them. */
  parts: Intl.DateTimeFormat;
}

// Times are shown in the schedule's zone; Windows ids are mapped to the IANA names browsers know.
const zoneCache = new Map<string, Zone>();

export function zoneOf(name: string): Zone {
  const given = name || "UTC";
  const cached = zoneCache.get(given);
  if (cached) return cached;
  const iana = config.ianaZoneByWindowsId[given.toLowerCase()] || given;
  let zone: Zone;
  try {
    zone = {
      text: new Intl.DateTimeFormat("en-GB", {
        timeZone: iana,
        weekday: "short",
        day: "numeric",
        month: "short",
        year: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      }),
      parts: new Intl.DateTimeFormat("en-US", {
        timeZone: iana,
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
        hourCycle: "h23",
      }),
    };
  } catch {
    // An id the browser does not know (RangeError): UTC rather than no page.
    zone = zoneOf("UTC");
  }
  zoneCache.set(given, zone);
  return zone;
}

export function inZone(iso: string, zoneName: string): string {
  return zoneOf(zoneName).text.format(new Date(iso));
}

/** The zone's wall clock at an instant, as milliseconds of a UTC date. */
export function wallOf(instant: number, zone: Zone): number {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of zone.parts.formatToParts(new Date(instant))) parts[part.type] = Number(part.value);
  const field = (type: Intl.DateTimeFormatPartTypes): number => parts[type] ?? Number.NaN;
  return Date.UTC(
    field("year"),
    field("month") - 1,
    field("day"),
    field("hour"),
    field("minute"),
    field("second"),
  );
}

export function relative(iso: string, now: number): string {
  const difference = new Date(iso).getTime() - now;
  const minutes = Math.floor(Math.abs(difference) / MINUTE);
  if (minutes < 1) return difference >= 0 ? "in less than a minute" : "just now";
  let text;
  if (minutes < 60) text = minutes + " min";
  else if (minutes < 1440) {
    text = Math.floor(minutes / 60) + " h" + (minutes % 60 ? " " + (minutes % 60) + " min" : "");
  } else {
    const hours = Math.floor((minutes % 1440) / 60);
    text = Math.floor(minutes / 1440) + " d" + (hours ? " " + hours + " h" : "");
  }
  return difference >= 0 ? "in " + text : text + " ago";
}

/** A duration as the page shows it: "45 s", "12 min", "1 h 30 min", "2 d 3 h". */
export function duration(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000);
  if (seconds < 60) return seconds + " s";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return minutes + " min" + (seconds % 60 ? " " + (seconds % 60) + " s" : "");
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return hours + " h" + (minutes % 60 ? " " + (minutes % 60) + " min" : "");
  return Math.floor(hours / 24) + " d" + (hours % 24 ? " " + (hours % 24) + " h" : "");
}
