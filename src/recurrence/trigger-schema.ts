import { CronExpressionParser } from "cron-parser";
import { z } from "zod";
import { parseDateTimeText, type DateTimeText } from "./date-time-text.js";
import { resolveTimeZone, zoneOf } from "./time-zones.js";

/** Azure ML's ScheduleRecurrence frequencies, with the Logic Apps / Data Factory interval limits. */
export const FREQUENCIES = ["Minute", "Hour", "Day", "Week", "Month"] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export const MAX_INTERVAL: Record<Frequency, number> = {
  Minute: 72_000,
  Hour: 12_000,
  Day: 500,
  Week: 71,
  Month: 16,
};

export const WEEK_DAYS = [
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
  "Sunday",
] as const;
export type WeekDay = (typeof WEEK_DAYS)[number];

/** Python SDK (snake_case) names accepted on input, mapped to the API's camelCase names. */
const SNAKE_CASE_ALIASES: Record<string, string> = {
  start_time: "startTime",
  end_time: "endTime",
  time_zone: "timeZone",
  week_days: "weekDays",
  time_of_day: "timeOfDay",
  month_days: "monthDays",
  monthly_occurrences: "monthlyOccurrences",
};

function renameSnakeCaseAliases(input: unknown): unknown {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
  const renamed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    // Own keys only: `constructor` or `toString` must stay unknown fields, not look up Object.prototype.
    const canonical = Object.hasOwn(SNAKE_CASE_ALIASES, key) ? SNAKE_CASE_ALIASES[key] : undefined;
    // When both spellings are given, keep the alias as is so that it is reported as an unknown field.
    const name = canonical !== undefined && !Object.hasOwn(input, canonical) ? canonical : key;
    Object.defineProperty(renamed, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return renamed;
}

const dateTimeText = z
  .string()
  .refine((text) => parseDateTimeText(text) !== undefined, {
    message: "must be YYYY-MM-DDThh:mm:ss, local to timeZone, or with a trailing Z or ±hh:mm offset",
  })
  .meta({
    description: "Local to `timeZone` unless it ends in `Z` or an offset.",
    example: "2026-01-05T18:30:00",
  });

const timeZoneName = z
  .string()
  .refine((name) => resolveTimeZone(name) !== undefined, {
    message: 'must be a Windows time zone id (e.g. "Pacific Standard Time") or an IANA name',
  })
  .meta({ example: "Pacific Standard Time" });

const timeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be "hh:mm" (00:00 to 23:59)' })
  .meta({ example: "02:30" });

const uniqueList = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .min(1, { message: "must list at least one value" })
    .refine((values) => new Set(values).size === values.length, { message: "must not repeat a value" });

const monthDay = z
  .number()
  .int()
  .refine((day) => (day >= 1 && day <= 31) || (day <= -1 && day >= -31), {
    message: "must be 1 to 31, or -1 (the last day) to -31",
  });

const monthlyOccurrence = z.strictObject({
  day: z.enum(WEEK_DAYS),
  occurrence: z
    .number()
    .int()
    .refine((n) => (n >= 1 && n <= 5) || (n <= -1 && n >= -5), {
      message: "must be 1 to 5, or -1 (the last) to -5",
    }),
});

const recurrenceFields = z.strictObject({
  type: z.literal("recurrence"),
  frequency: z.enum(FREQUENCIES),
  interval: z.number().int().min(1),
  startTime: dateTimeText.optional(),
  endTime: dateTimeText.optional(),
  timeZone: timeZoneName.optional(),
  hours: uniqueList(z.number().int().min(0).max(23)).optional(),
  minutes: uniqueList(z.number().int().min(0).max(59)).optional(),
  timeOfDay: timeOfDay.optional(),
  weekDays: uniqueList(z.enum(WEEK_DAYS)).optional(),
  monthDays: uniqueList(monthDay).optional(),
  monthlyOccurrences: z
    .array(monthlyOccurrence)
    .min(1, { message: "must list at least one value" })
    .refine((list) => new Set(list.map((item) => `${item.day}/${item.occurrence}`)).size === list.length, {
      message: "must not repeat a value",
    })
    .optional(),
});

function issue(ctx: z.core.$RefinementCtx, path: string, message: string): void {
  ctx.addIssue({ code: "custom", path: [path], message });
}

function checkStartBeforeEnd(
  trigger: { startTime?: string | undefined; endTime?: string | undefined; timeZone?: string | undefined },
  ctx: z.core.$RefinementCtx,
): void {
  if (trigger.startTime === undefined || trigger.endTime === undefined) return;
  const start = parseDateTimeText(trigger.startTime);
  const end = parseDateTimeText(trigger.endTime);
  const timeZone = trigger.timeZone ?? "UTC";
  // A bad date or zone is reported on its own field; compare only what can be placed in time.
  if (start === undefined || end === undefined || resolveTimeZone(timeZone) === undefined) return;
  const zone = zoneOf(timeZone);
  // Compared as instants, so that a local time and one with an offset compare by the zone's DST rule.
  const instantOf = (text: DateTimeText) =>
    text.kind === "local" ? zone.instantOfWall(text.wallMs) : text.instantMs;
  if (instantOf(end) <= instantOf(start)) issue(ctx, "endTime", "must be after startTime");
}

export const recurrenceTriggerSchema = recurrenceFields.superRefine((trigger, ctx) => {
  const max = MAX_INTERVAL[trigger.frequency];
  if (trigger.interval > max) {
    issue(ctx, "interval", `must be at most ${max} for frequency ${trigger.frequency}`);
  }
  const timed = trigger.frequency === "Day" || trigger.frequency === "Week" || trigger.frequency === "Month";
  for (const field of ["hours", "minutes", "timeOfDay"] as const) {
    if (trigger[field] !== undefined && !timed) {
      issue(ctx, field, "is allowed only with frequency Day, Week or Month");
    }
  }
  if (trigger.timeOfDay !== undefined && (trigger.hours !== undefined || trigger.minutes !== undefined)) {
    issue(ctx, "timeOfDay", "cannot be combined with hours or minutes");
  }
  if (trigger.weekDays !== undefined && trigger.frequency !== "Week") {
    issue(ctx, "weekDays", "is allowed only with frequency Week");
  }
  for (const field of ["monthDays", "monthlyOccurrences"] as const) {
    if (trigger[field] !== undefined && trigger.frequency !== "Month") {
      issue(ctx, field, "is allowed only with frequency Month");
    }
  }
  checkStartBeforeEnd(trigger, ctx);
});

export const cronTriggerSchema = z
  .strictObject({
    type: z.literal("cron"),
    expression: z
      .string()
      .min(1)
      .refine(isValidCronExpression, {
        message: "must be a five-field cron or six-field NCRONTAB expression (seconds first)",
      })
      .meta({ example: "0 30 2 * * 1-5" }),
    timeZone: timeZoneName.optional(),
    startTime: dateTimeText.optional(),
    endTime: dateTimeText.optional(),
  })
  .superRefine(checkStartBeforeEnd);

function isValidCronExpression(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return false;
  try {
    CronExpressionParser.parse(expression, { strict: false });
    return true;
  } catch {
    return false;
  }
}

const DATASTORE_NAME = /^[A-Za-z0-9_]{1,255}$/;

export const datastoreTriggerSchema = z.strictObject({
  type: z.literal("datastore"),
  datastoreName: z
    .string()
    .regex(DATASTORE_NAME, { message: "must be 1-255 letters, digits or underscores" })
    .meta({ example: "workspaceblobstore" }),
  pathOnDatastore: z
    .string()
    .max(1024)
    .refine((path) => !path.startsWith("/"), { message: "must be relative to the container (no leading /)" })
    .refine((path) => !path.split("/").includes(".."), { message: "must not contain .. segments" })
    .refine((path) => !/\/\/|\\/.test(path), { message: "must not contain // or backslashes" })
    .optional()
    .meta({ example: "incoming/daily" }),
  pollingIntervalMinutes: z.number().int().min(1).max(1440).default(5),
  dataPathParameterName: z.string().min(1).max(255).optional().meta({ example: "input_datapath" }),
});

export const triggerSchema = z
  .preprocess(
    renameSnakeCaseAliases,
    z.discriminatedUnion("type", [recurrenceTriggerSchema, cronTriggerSchema, datastoreTriggerSchema], {
      error: 'type must be "recurrence", "cron" or "datastore"',
    }),
  )
  .meta({ id: "Trigger" });

export type RecurrenceTrigger = z.output<typeof recurrenceTriggerSchema>;
export type CronTrigger = z.output<typeof cronTriggerSchema>;
export type DatastoreTrigger = z.output<typeof datastoreTriggerSchema>;
export type Trigger = z.output<typeof triggerSchema>;
/** The triggers that fire at computed instants (everything but change-based). */
export type TimeTrigger = RecurrenceTrigger | CronTrigger;

/**
 * A patterned recurrence names hours, minutes, a time of day, week days or month days; a simple one fires every
 * `interval` from its start (CONTRACT 2.1, rules 1 and 2).
 */
export function isPatterned(trigger: RecurrenceTrigger): boolean {
  return (
    trigger.hours !== undefined ||
    trigger.minutes !== undefined ||
    trigger.timeOfDay !== undefined ||
    trigger.weekDays !== undefined ||
    trigger.monthDays !== undefined ||
    trigger.monthlyOccurrences !== undefined
  );
}
