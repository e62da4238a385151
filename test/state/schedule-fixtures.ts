import type { NewScheduleRecord } from "../../src/schedules/record.js";
import { scheduleDefinitionSchema } from "../../src/schedules/schema.js";

/** A valid record with every field set; `overrides` replace definition fields and record fields. */
export function scheduleRecord(
  id: string,
  definition: Record<string, unknown> = {},
  fields: Partial<Omit<NewScheduleRecord, "id" | "definition">> = {},
): NewScheduleRecord {
  return {
    id,
    definition: scheduleDefinitionSchema.parse({
      name: `schedule-${id}`,
      description: "Retrain every night",
      target: { pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" },
      experimentName: "MyExperiment",
      parameterAssignments: { pipeline_arg: 20, flag: true, text: "x" },
      dataPathAssignments: {
        input_datapath: { dataStoreName: "workspaceblobstore", relativePath: "data/in.csv" },
      },
      continueOnStepFailure: true,
      trigger: {
        type: "recurrence",
        frequency: "Day",
        interval: 1,
        timeOfDay: "02:30",
        timeZone: "Pacific Standard Time",
      },
      policy: { catchUp: "all", maxCatchUpRuns: 5 },
      ...definition,
    }),
    createdAt: "2026-11-21T10:00:00.000Z",
    updatedAt: "2026-11-21T10:05:00.000Z",
    activatedAt: "2026-11-21T10:00:00.000Z",
    nextRunAt: "2026-11-22T10:30:00.000Z",
    dueAt: "2026-11-22T10:30:00.000Z",
    ...fields,
  };
}

/** A 32-hex-character schedule id that sorts by `n`. */
export function scheduleId(n: number): string {
  return n.toString(16).padStart(32, "0");
}
