/**
 * The `startTime` / `endTime` text of a trigger: `YYYY-MM-DDThh:mm[:ss[.fff]]`, local to the trigger's
 * time zone, or with a trailing `Z` / `±hh:mm` for an absolute instant (CONTRACT 2.1).
 */
export type DateTimeText = { kind: "local"; wallMs: number } | { kind: "absolute"; instantMs: number };

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * Parses the text, or returns undefined when it is not of that form or names a day or time that does
 * not exist on the calendar (Feb 30, 24:00). `wallMs` encodes the local wall-clock time as if it were UTC.
 */
export function parseDateTimeText(text: string): DateTimeText | undefined {
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = "0", frac = "0", zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const millis = Number(frac.padEnd(3, "0"));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (new Date(wallMs).getUTCDate() !== day || year < 1970 || year > 9999) return undefined;
  if (zone === undefined) return { kind: "local", wallMs };
  if (zone === "Z") return { kind: "absolute", instantMs: wallMs };
  const sign = zone.startsWith("-") ? -1 : 1;
  const offsetHours = Number(zone.slice(1, 3));
  const offsetMinutes = Number(zone.slice(4, 6));
  if (offsetHours > 14 || offsetMinutes > 59) return undefined;
  return { kind: "absolute", instantMs: wallMs - sign * (offsetHours * 60 + offsetMinutes) * 60_000 };
}
