import { ValidationError } from "../../errors.js";
import type { ChangedBlob, NewRunRecord, RunReason, V2RunTarget } from "../../runs/run-record.js";
import { newPendingRun } from "../../runs/run-record.js";
import type { ScheduleDefinition, Target } from "../../schedules/schema.js";
import { batchInvokeBody, pipelineJobBody, type V2JobInputs } from "./v2-request.js";
import {
  checkScoringUri,
  componentVersionId,
  jobUrl,
  requireWorkspace,
  workspaceResourceId,
  type V2Targeting,
} from "./v2-targeting.js";

/**
 * A new Pending run of a v2 target (CONTRACT 7): the body to send, where to send it, and the run's `v2` record. A
 * target that cannot be reached under the settings of now (they may have changed since the schedule was saved) gives
 * a run that is Failed from the start, so that the reason shows in the run history, as for v1 targets.
 */
export interface V2RunFields {
  id: string;
  scheduleId: string | null;
  scheduleName: string | null;
  reason: RunReason;
  scheduledFor: Date | null;
  createdAt: Date;
  changedBlob?: ChangedBlob;
  target: Target;
  definition: Pick<
    ScheduleDefinition,
    "experimentName" | "parameterAssignments" | "dataPathAssignments" | "outputs"
  >;
  /** A change-based run's changed blob, under dataPathParameterName: always a file (CONTRACT 2.3). */
  changedBlobAssignments?: ScheduleDefinition["dataPathAssignments"];
}

export function newV2Run(fields: V2RunFields, targeting: V2Targeting): NewRunRecord {
  const inputs: V2JobInputs = {
    experimentName: fields.definition.experimentName,
    parameterAssignments: fields.definition.parameterAssignments,
    dataPathAssignments: {
      ...fields.definition.dataPathAssignments,
      ...Object.fromEntries(
        Object.entries(fields.changedBlobAssignments ?? {}).map(([name, dataPath]) => [
          name,
          { ...dataPath, kind: "file" as const },
        ]),
      ),
    },
    outputs: fields.definition.outputs,
    runId: fields.id,
    // CONTRACT 1: a run without an occurrence (manual, API, change-based) names its outputs by its creation.
    scheduledFor:
      fields.scheduledFor === null || fields.reason === "datastore" ? fields.createdAt : fields.scheduledFor,
  };
  const base = {
    id: fields.id,
    scheduleId: fields.scheduleId,
    scheduleName: fields.scheduleName,
    reason: fields.reason,
    scheduledFor: fields.scheduledFor?.toISOString() ?? null,
    createdAt: fields.createdAt.toISOString(),
    changedBlob: fields.changedBlob ?? null,
  };
  const { target } = fields;
  const component = target.pipelineComponent;
  if (component !== undefined) {
    const version = target.version === undefined || target.version === "latest" ? null : target.version;
    const v2: V2RunTarget = { kind: "pipelineComponent", component, version, jobName: fields.id };
    return settled({ ...base, v2 }, () => {
      const workspace = requireWorkspace(targeting);
      const url = jobUrl(targeting, workspace, fields.id).toString();
      // With `latest`, the container's id stands in until the submission reads its latestVersion.
      const componentId =
        version === null
          ? `${workspaceResourceId(workspace)}/components/${encodeURIComponent(component)}`
          : componentVersionId(workspace, component, version);
      return {
        endpointUrl: url,
        request: pipelineJobBody(inputs, componentId, target.compute) as unknown as Record<string, unknown>,
        v2: { ...v2, statusUrl: url },
      };
    });
  }
  const v2: V2RunTarget = {
    kind: "batchEndpoint",
    ...(target.batchEndpoint === undefined ? {} : { endpointName: target.batchEndpoint }),
    ...(target.deployment === undefined ? {} : { deployment: target.deployment }),
  };
  const request = batchInvokeBody(inputs) as unknown as Record<string, unknown>;
  return settled({ ...base, v2 }, () => {
    if (target.batchEndpointUrl === undefined) {
      requireWorkspace(targeting);
      return { endpointUrl: "", request, v2 };
    }
    const url = new URL(target.batchEndpointUrl);
    checkScoringUri(url, targeting, "target.batchEndpointUrl");
    return { endpointUrl: url.toString(), request, v2 };
  });
}

/** The Pending run `resolve` gives, or a run Failed from the start with why it could not be sent. */
function settled(
  base: Omit<Parameters<typeof newPendingRun>[0], "request" | "endpointUrl">,
  resolve: () => Pick<NewRunRecord, "endpointUrl" | "request" | "v2">,
): NewRunRecord {
  try {
    return newPendingRun({ ...base, ...resolve() });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return {
      ...newPendingRun({ ...base, request: {}, endpointUrl: "" }),
      status: "Failed",
      error: `Not submitted: ${error.message}`,
    };
  }
}
