import { z } from "zod";

/**
 * What the API derives from a run's own fields for the people who read its history (issue 13, "where people
 * look"): how it came out, how long its pipeline run took, and where it is in Azure ML studio. Read-only, never
 * stored: they are recomputed from the fields they come from, so they cannot disagree with them.
 */

/**
 * A run's outcome in one word: the run's `status` while it is not Submitted (`Pending`, `Failed`, `Skipped`,
 * `Deferred`); once Submitted, its pipeline run's `pipelineStatus` (CONTRACT 4), or `Submitted` until that has
 * been read.
 */
export const RUN_OUTCOMES = [
  "Pending",
  "Submitted",
  "NotStarted",
  "Running",
  "Finished",
  "Failed",
  "Canceled",
  "Skipped",
  "Deferred",
] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** The outcomes after which nothing about the run changes again. */
export const FINAL_OUTCOMES: readonly RunOutcome[] = ["Finished", "Failed", "Canceled", "Skipped"];

/**
 * The fields of CONTRACT 4 that the service records while it follows a submitted run (`pipelineStatus`,
 * `finishedAt`). Optional here, so that the derivations read runs recorded before those fields existed (and
 * never followed) as well as the others: absent and null mean "not read yet".
 */
export interface FollowedRunFields {
  pipelineStatus?: string | null;
  finishedAt?: string | null;
}

/** The run fields the derivations read. */
export interface RunOutcomeInputs extends FollowedRunFields {
  /** A RunStatus (`Pending`, `Submitted`, `Failed`, `Skipped`, `Deferred`). */
  status: string;
  submittedAt: string | null;
  pipelineRunId: string | null;
  /** The submit URL the run was sent to. */
  endpointUrl: string;
}

const OUTCOME_BY_STATUS: Readonly<Record<string, RunOutcome>> = {
  Pending: "Pending",
  Failed: "Failed",
  Skipped: "Skipped",
  Deferred: "Deferred",
};
const PIPELINE_OUTCOMES: readonly string[] = ["NotStarted", "Running", "Finished", "Failed", "Canceled"];

export function runOutcome(run: RunOutcomeInputs): RunOutcome {
  const byStatus = OUTCOME_BY_STATUS[run.status];
  if (byStatus !== undefined) return byStatus;
  const pipelineStatus = run.pipelineStatus ?? null;
  if (pipelineStatus !== null && PIPELINE_OUTCOMES.includes(pipelineStatus)) {
    return pipelineStatus as RunOutcome;
  }
  return "Submitted";
}

/**
 * How long the pipeline run took, from the submission's acceptance (`submittedAt`) to the end the service read
 * (`finishedAt`); null until both are known. The end is as precise as the reads that found it (CONTRACT 4).
 */
export function runDurationMs(run: Pick<RunOutcomeInputs, "submittedAt" | "finishedAt">): number | null {
  if (run.submittedAt === null || run.finishedAt === undefined || run.finishedAt === null) return null;
  const duration = Date.parse(run.finishedAt) - Date.parse(run.submittedAt);
  return Number.isNaN(duration) ? null : Math.max(0, duration);
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
/** The workspace in a submit URL or an ARM URL (CONTRACT 1, 7): both carry the workspace's resource path. */
const WORKSPACE_PATH =
  /\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/?#]+)/i;

/**
 * The `wsid` of Azure ML studio links for the workspace a run was sent to, read off its submit URL: a v1 submit
 * URL (`.../subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/
 * PipelineRuns/...`) names it, whatever the target kind. Null for loopback (the local sandbox has no studio) and
 * for URLs that name no workspace.
 */
export function studioWorkspaceIdOfUrl(endpointUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(endpointUrl);
  } catch {
    return null;
  }
  if (LOOPBACK_HOSTS.has(url.hostname)) return null;
  const match = WORKSPACE_PATH.exec(url.pathname);
  if (match === null) return null;
  const [, subscription = "", resourceGroup = "", workspace = ""] = match;
  return `/subscriptions/${subscription}/resourcegroups/${resourceGroup}/workspaces/${workspace}`;
}

/**
 * The run's page in Azure ML studio, as the SDK's `Run.get_portal_url()` and `az ml job` print it:
 * `https://ml.azure.com/runs/<run id>?wsid=/subscriptions/<sub>/resourcegroups/<rg>/workspaces/<ws>`, for v1
 * pipeline runs and v2 jobs alike. Null until Azure ML has given the run an id, and for runs with no studio.
 */
export function studioRunUrl(run: Pick<RunOutcomeInputs, "pipelineRunId" | "endpointUrl">): string | null {
  if (run.pipelineRunId === null || run.pipelineRunId === "") return null;
  const workspaceId = studioWorkspaceIdOfUrl(run.endpointUrl);
  if (workspaceId === null) return null;
  return `https://ml.azure.com/runs/${encodeURIComponent(run.pipelineRunId)}?wsid=${workspaceId}`;
}

/** The derived fields of the run resource (`Run` in /openapi.json), each read-only. */
export const runDerivedFields = {
  outcome: z.enum(RUN_OUTCOMES).meta({
    description:
      "How the run came out, in one word (read-only): its status while not Submitted (Pending, Failed, " +
      "Skipped, Deferred), then its pipeline run's status (NotStarted, Running, Finished, Failed, Canceled), " +
      "or Submitted until that was read.",
  }),
  durationMs: z.number().int().min(0).nullable().meta({
    description:
      "Milliseconds from submittedAt to finishedAt (read-only); null until the pipeline run's end was read.",
  }),
  studioUrl: z
    .string()
    .nullable()
    .meta({
      description:
        "The run's page in Azure ML studio (read-only); null until Azure ML gave the run an id, and for runs " +
        "of the local sandbox.",
      example:
        "https://ml.azure.com/runs/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0?wsid=/subscriptions/0000/resourcegroups/ml-rg/workspaces/ml-ws",
    }),
};

export interface RunDerivedFields {
  outcome: RunOutcome;
  durationMs: number | null;
  studioUrl: string | null;
}

export function derivedRunFields(run: RunOutcomeInputs): RunDerivedFields {
  return { outcome: runOutcome(run), durationMs: runDurationMs(run), studioUrl: studioRunUrl(run) };
}
