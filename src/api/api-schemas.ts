import { z } from "zod";
import { triggerSchema } from "../recurrence/trigger-schema.js";
import { lastRunSchema } from "../runs/run-record.js";
import { SCHEDULE_STATUSES, scheduleDefinitionSchema } from "../schedules/schema.js";

/** The zod schemas of the HTTP API: the schedule resource, query strings, bodies and responses (CONTRACT 4). */

const scheduleInstant = z.iso.datetime().meta({ example: "2026-11-21T10:30:00.000Z" });

/** A schedule as the API returns it. */
export const scheduleSchema = scheduleDefinitionSchema
  .extend({
    id: z.string().meta({ example: "7c6f0c1e2b3a4d5e8f90a1b2c3d4e5f6" }),
    triggerDescription: z.string().meta({
      description: "The trigger in plain words (read-only).",
      example: "Every 2 weeks on Monday and Wednesday at 18:30, W. Europe Standard Time",
    }),
    createdAt: scheduleInstant,
    updatedAt: scheduleInstant,
    nextRunAt: scheduleInstant.nullable().meta({
      description: "The next instant this schedule fires (UTC), or null when it never will again.",
    }),
    etag: z.string(),
    statusReason: z
      .string()
      .optional()
      .meta({
        description:
          "Why the service disabled the schedule (pauseAfterFailures, or a trigger it cannot compute); read-only, " +
          "absent otherwise. Enabling removes it.",
      }),
    lastRun: lastRunSchema.nullable().meta({ description: "The newest run of this schedule, or null." }),
  })
  .meta({ id: "Schedule" });
export type Schedule = z.output<typeof scheduleSchema>;

const isoInstantInput = z.iso
  .datetime({ offset: true })
  .meta({ description: "An ISO 8601 instant with `Z` or an offset.", example: "2026-11-21T10:30:00Z" });

const TRIGGER_TYPES = ["recurrence", "cron", "datastore"] as const;

/**
 * A query integer is plain decimal digits (CONTRACT 4): not `0x10`, `1e3` or ` 100`, which Number() would take.
 * The schema it wraps gives the range and the default, and the OpenAPI parameter's type.
 */
function queryInteger<T extends z.ZodType>(schema: T) {
  return z.preprocess((value, context) => {
    if (typeof value !== "string") return value;
    if (/^[0-9]+$/.test(value)) return Number(value);
    context.addIssue({ code: "custom", message: "must be a whole number in decimal digits", input: value });
    return z.NEVER;
  }, schema);
}

/** Paging of every list (CONTRACT 4: `top` 1-1000, default 100). Unknown query parameters are ignored: Azure adds `code`. */
export const pagingQuerySchema = z.object({
  top: queryInteger(z.number().int().min(1).max(1000).default(100)).meta({ description: "Page size." }),
  continuationToken: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .meta({ description: "From the previous page's `nextLink`." }),
});

/** GET /schedules. */
export const listSchedulesQuerySchema = pagingQuerySchema.extend({
  status: z.enum(SCHEDULE_STATUSES).optional(),
  pipelineId: z.string().min(1).max(255).optional(),
  pipelineEndpointId: z.string().min(1).max(255).optional(),
  triggerType: z.enum(TRIGGER_TYPES).optional(),
});
export type ListSchedulesQuery = z.output<typeof listSchedulesQuerySchema>;

/** GET /schedules/{id}/next. */
export const nextFireTimesQuerySchema = z.object({
  count: queryInteger(z.number().int().min(1).max(100).default(10)),
  after: isoInstantInput
    .optional()
    .meta({ description: "List instants strictly after this one; default now." }),
});

/** POST /triggers/preview. */
export const triggerPreviewRequestSchema = z
  .strictObject({
    trigger: triggerSchema,
    count: z.number().int().min(1).max(100).default(10),
    after: isoInstantInput
      .optional()
      .meta({ description: "List instants strictly after this one; default just before `createdAt`." }),
    createdAt: isoInstantInput
      .optional()
      .meta({ description: "When the schedule would be created (or re-enabled); default now." }),
  })
  .meta({ id: "TriggerPreviewRequest" });

const utcInstant = z.iso.datetime().meta({ example: "2026-11-22T10:30:00.000Z" });

export const fireTimesSchema = z
  .object({
    value: z.array(
      z.object({
        at: utcInstant,
        local: z.string().meta({
          description: "The same instant with the offset of the trigger's time zone.",
          example: "2026-11-22T02:30:00-08:00",
        }),
      }),
    ),
  })
  .meta({ id: "FireTimes" });
export type FireTimes = z.output<typeof fireTimesSchema>;

export const scheduleListSchema = z
  .object({
    value: z.array(scheduleSchema),
    nextLink: z
      .string()
      .nullable()
      .meta({ description: "The next page, relative to the host; null on the last page." }),
  })
  .meta({ id: "ScheduleList" });
export type ScheduleList = z.output<typeof scheduleListSchema>;

export const healthSchema = z
  .object({
    status: z.enum(["ok", "unhealthy"]),
    storage: z.enum(["ok", "unreachable"]),
    lastTickAt: utcInstant
      .nullable()
      .meta({ description: "When the last scheduling pass ran; null if none yet." }),
  })
  .meta({ id: "Health" });
export type Health = z.output<typeof healthSchema>;

/** RFC 9457 problem details, with the fields of a validation error. */
export const problemSchema = z
  .object({
    type: z.string().meta({ example: "about:blank" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z
      .array(
        z.object({
          path: z.string().meta({ example: "trigger.hours[0]" }),
          message: z.string(),
        }),
      )
      .optional(),
  })
  .meta({ id: "Problem" });
export type Problem = z.output<typeof problemSchema>;
