import { CronExpressionParser } from "cron-parser";
import { z } from "zod";
import { parseDateTimeText, type DateTimeText } from "./date-time-text.js";
import { StepBudget } from "./step-budget.js";
import { resolveTimeZone, zoneOf } from "./time-zones.js";
import { CronWallTimes } from "./wall-times.js";

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

const WEEK_DAY_BY_LOWER_CASE = new Map<string, WeekDay>(WEEK_DAYS.map((day) => [day.toLowerCase(), day]));

/**
 * A weekday name in any letter case, as Data Factory documents them ("monday"), returned capitalised as the API
 * documents them ("Monday"), so that what a client reads back compares equal to the SDK's names.
 */
const weekDay = z
  .string()
  .transform((name) => WEEK_DAY_BY_LOWER_CASE.get(name.toLowerCase()) ?? name)
  .pipe(z.enum(WEEK_DAYS))
  .meta({ description: "Monday … Sunday, in any letter case; returned capitalised.", example: "Monday" });

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

/**
 * "hh:mm", or "h:mm" as the Python SDK's `[0-9]{1,2}:[0-9]{2}` allows ("4:50" in the SDK for R's issue #429);
 * returned as "hh:mm", the API's one form.
 */
const timeOfDay = z
  .string()
  .regex(/^([01]?\d|2[0-3]):[0-5]\d$/, { message: 'must be "hh:mm" or "h:mm" (00:00 to 23:59)' })
  .transform((text) => text.padStart(5, "0"))
  .pipe(z.string())
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
  day: weekDay,
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
  weekDays: uniqueList(weekDay).optional(),
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
  for (const field of ["hours", "timeOfDay"] as const) {
    if (trigger[field] !== undefined && !timed) {
      issue(ctx, field, "is allowed only with frequency Day, Week or Month");
    }
  }
  // Data Factory's "every hour at :15 and :45": minutes of every interval-th hour (CONTRACT 2.1, aliases).
  if (trigger.minutes !== undefined && !timed && trigger.frequency !== "Hour") {
    issue(ctx, "minutes", "is allowed only with frequency Hour, Day, Week or Month");
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
      .superRefine((expression, ctx) => {
        const problem = cronExpressionProblem(expression);
        if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
      })
      .meta({ example: "0 30 2 * * 1-5" }),
    timeZone: timeZoneName.optional(),
    startTime: dateTimeText.optional(),
    endTime: dateTimeText.optional(),
  })
  .superRefine(checkStartBeforeEnd);

const MALFORMED_CRON = "must be a five-field cron or six-field NCRONTAB expression (seconds first)";
/**
 * The day and month fields of a cron expression repeat with the calendar: whether a day matches depends only on
 * its month, its day of the month, its weekday and the month's length. The 28 years 2001–2028 hold every
 * combination of those (the weekdays and leap years of the Gregorian calendar repeat every 28 years between two
 * century years that are not leap years), so an expression no day of them matches never fires.
 */
const CYCLE_START_MS = Date.UTC(2001, 0, 1);
const CYCLE_MONTHS = 28 * 12;
const NEVER_FIRES =
  "never fires: no day from 2001 to 2028 matches it, and those 28 years hold every combination of month, " +
  "weekday and leap year, so no day ever will";

/** What is wrong with a cron expression (CONTRACT 2.2), or undefined when it is a valid one that fires. */
export function cronExpressionProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return MALFORMED_CRON;
  // A schedule fires at most once a minute, as Azure ML's own schedules (minute granularity) do.
  if (fields.length === 6 && !/^\d+$/.test(fields[0] ?? "")) {
    return "fires more than once a minute: its seconds field (the first of six) must be one value from 0 to 59, such as 0";
  }
  let parsed;
  try {
    parsed = CronExpressionParser.parse(expression, { strict: false, tz: "UTC", currentDate: new Date(0) });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // cron-parser refuses a day of the month that no month the expression names has (31 in April and June).
    if (reason === "Invalid explicit day of month definition") {
      return `${NEVER_FIRES} (no month it names has that day of the month)`;
    }
    return `${MALFORMED_CRON}: ${reason}`;
  }
  const days = new CronWallTimes(parsed, new StepBudget(Number.POSITIVE_INFINITY), CYCLE_MONTHS);
  return days.firstAtOrAfter(CYCLE_START_MS) === undefined ? NEVER_FIRES : undefined;
}

const DATASTORE_NAME = /^[A-Za-z0-9_]{1,255}$/;

/** How a change-based schedule learns of changes (CONTRACT 2.3): by listing its folder, or from Event Grid. */
export const DETECTION_MODES = ["poll", "events"] as const;
export type DetectionMode = (typeof DETECTION_MODES)[number];

const checkMinutes = z.number().int().min(1).max(1440);

/** The fields both detection modes share. */
const datastoreTriggerFields = {
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
  dataPathParameterName: z.string().min(1).max(255).optional().meta({ example: "input_datapath" }),
};

/** `detection: "poll"` (or none): the folder is listed every `pollingIntervalMinutes`. */
export const pollDatastoreTriggerSchema = z.strictObject({
  ...datastoreTriggerFields,
  detection: z.literal("poll").optional(),
  pollingIntervalMinutes: checkMinutes.default(5),
  // Named, so that a reconcileMinutes sent in this mode is refused with a reason rather than as unknown.
  reconcileMinutes: z
    .never({
      error: 'is taken only with detection "events"; this trigger polls every pollingIntervalMinutes',
    })
    .optional(),
});

/**
 * `detection: "events"`: Event Grid BlobCreated events fire runs within seconds, and a listing every
 * `reconcileMinutes` fires what no event announced. One run per changed blob, so dataPathParameterName is required.
 */
export const eventsDatastoreTriggerSchema = z.strictObject({
  ...datastoreTriggerFields,
  detection: z.literal("events"),
  dataPathParameterName: datastoreTriggerFields.dataPathParameterName.unwrap().meta({
    description: 'Required with detection "events": one run per changed blob.',
    example: "input_datapath",
  }),
  reconcileMinutes: checkMinutes.default(60).meta({
    description: "How often the folder is listed to fire what no event announced.",
  }),
  pollingIntervalMinutes: z
    .never({
      error: 'is taken only with detection "poll"; with "events" the folder is listed every reconcileMinutes',
    })
    .optional(),
});

export const datastoreTriggerSchema = z.discriminatedUnion(
  "detection",
  [pollDatastoreTriggerSchema, eventsDatastoreTriggerSchema],
  { error: 'must be "poll" or "events"' },
);

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
export type EventsDatastoreTrigger = z.output<typeof eventsDatastoreTriggerSchema>;
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

/** How the trigger learns of changes; absent means "poll", the mode every schedule had before events existed. */
export function detectionOf(trigger: DatastoreTrigger): DetectionMode {
  return trigger.detection ?? "poll";
}

/**
 * Minutes between two listings of a change-based schedule's folder: its polling interval, or in events mode its
 * reconciliation interval (CONTRACT 2.3). Both count from the activation, on the scheduling pass's clock.
 */
export function folderCheckIntervalMinutes(trigger: DatastoreTrigger): number {
  return trigger.detection === "events" ? trigger.reconcileMinutes : trigger.pollingIntervalMinutes;
}
