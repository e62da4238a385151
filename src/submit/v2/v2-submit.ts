import { ValidationError } from "../../errors.js";
import type { RunRecord, V2RunTarget } from "../../runs/run-record.js";
import type { ExchangeOutcome } from "../json-exchange.js";
import type { SubmitOutcome } from "../pipeline-client.js";
import type { V2Access } from "./v2-access.js";
import {
  BatchEndpointDirectory,
  invokeBatchEndpoint,
  jobNameOf,
  lookUpBatchEndpoint,
  type LookupOutcome,
  type RequestOptions,
} from "./batch-endpoint-client.js";
import { findJob, latestComponentVersion, submitPipelineJob } from "./pipeline-job-client.js";
import {
  batchEndpointLookupUrl,
  checkScoringUri,
  componentContainerUrl,
  componentVersionId,
  jobUrl,
  requireWorkspace,
  type V2Targeting,
} from "./v2-targeting.js";

/** One attempt of a v2 run (CONTRACT 7), as the queue worker makes one attempt of any run. */
export interface V2SubmitDependencies {
  targeting: V2Targeting;
  access: V2Access;
  /** Kept by the host across runs, so that an endpoint is looked up once. */
  directory: BatchEndpointDirectory;
  options: RequestOptions;
}

/** A directory that looks names up through Resource Manager under `deps`' rules. */
export function batchEndpointDirectory(
  targeting: V2Targeting,
  access: V2Access,
  options: RequestOptions,
): BatchEndpointDirectory {
  return new BatchEndpointDirectory((name) => {
    let url: URL;
    try {
      url = batchEndpointLookupUrl(targeting, requireWorkspace(targeting), name);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return Promise.resolve({ kind: "final", httpStatus: null, message: error.message });
    }
    return lookUpBatchEndpoint(url, name, access.arm, options);
  });
}

export async function submitV2Run(run: RunRecord, deps: V2SubmitDependencies): Promise<SubmitOutcome> {
  const target = run.v2;
  if (target === undefined) throw new Error(`Run ${run.id} is not an Azure ML v2 run`);
  return target.kind === "pipelineComponent"
    ? submitComponentJob(run, target, deps)
    : invokeEndpoint(run, target, deps);
}

async function invokeEndpoint(
  run: RunRecord,
  target: V2RunTarget,
  deps: V2SubmitDependencies,
): Promise<SubmitOutcome> {
  const name = target.endpointName;
  let scoringUri: URL;
  if (name === undefined) {
    scoringUri = new URL(run.endpointUrl);
  } else {
    const found = allowedScoringUri(name, await deps.directory.scoringUri(name), deps);
    if (found.kind !== "found") return found;
    scoringUri = found.scoringUri;
  }
  let outcome = await invoke(run, target, scoringUri, deps);
  // A 404 after a lookup: the endpoint was recreated elsewhere. One more lookup, one more invoke; a second 404 is final.
  if (name !== undefined && outcome.kind === "final" && outcome.httpStatus === 404) {
    const found = allowedScoringUri(name, await deps.directory.refresh(name, scoringUri), deps);
    if (found.kind !== "found") return found;
    scoringUri = found.scoringUri;
    outcome = await invoke(run, target, scoringUri, deps);
  }
  const runUpdate = { endpointUrl: scoringUri.toString() };
  if (outcome.kind !== "answered") return { ...outcome, runUpdate };
  const jobName = jobNameOf(outcome.json);
  const workspace = deps.targeting.workspace;
  const statusUrl =
    jobName === null || workspace === undefined
      ? undefined
      : jobUrl(deps.targeting, workspace, jobName).toString();
  return {
    kind: "submitted",
    httpStatus: outcome.httpStatus,
    pipelineRunId: jobName,
    runUpdate: {
      ...runUpdate,
      v2: {
        ...target,
        ...(jobName === null ? {} : { jobName }),
        ...(statusUrl === undefined ? {} : { statusUrl }),
      },
    },
  };
}

function invoke(
  run: RunRecord,
  target: V2RunTarget,
  scoringUri: URL,
  deps: V2SubmitDependencies,
): Promise<ExchangeOutcome> {
  return invokeBatchEndpoint(scoringUri, run.request, target.deployment, deps.access.invoke, deps.options);
}

/** A looked-up scoring URI must be on AML_INVOKE_TOKEN_HOSTS like a configured one (CONTRACT 7); else the run fails. */
function allowedScoringUri(name: string, lookup: LookupOutcome, deps: V2SubmitDependencies): LookupOutcome {
  if (lookup.kind !== "found") return lookup;
  try {
    checkScoringUri(lookup.scoringUri, deps.targeting, "scoringUri");
    return lookup;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return {
      kind: "final",
      httpStatus: null,
      message: `Not invoked: the lookup of batch endpoint ${name} answered the scoring URI ${lookup.scoringUri.origin}, which is refused: ${error.issues[0]?.message ?? error.message}`,
    };
  }
}

async function submitComponentJob(
  run: RunRecord,
  target: V2RunTarget,
  deps: V2SubmitDependencies,
): Promise<SubmitOutcome> {
  const jobName = target.jobName ?? run.id;
  let workspace;
  try {
    workspace = requireWorkspace(deps.targeting);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { kind: "final", httpStatus: null, message: `Not submitted: ${error.message}` };
  }
  const address = {
    jobUrl: new URL(run.endpointUrl),
    jobName,
    access: deps.access.arm,
    options: deps.options,
  };
  // The attempt is counted before it is made: a later one may follow an attempt that created the job and then lost
  // the answer (a timeout, a reset, a 5xx). It reads the job before anything else and never PUTs a second one.
  if (run.attempts > 1) {
    const existing = await findJob(address);
    if (existing?.kind === "existing") {
      return { kind: "submitted", httpStatus: existing.httpStatus, pipelineRunId: existing.jobName };
    }
    if (existing !== undefined) return existing;
  }
  let request = run.request;
  if (target.version === null || target.version === undefined) {
    const component = target.component ?? "";
    const latest = await latestComponentVersion(
      componentContainerUrl(deps.targeting, workspace, component),
      component,
      deps.access.arm,
      deps.options,
    );
    if (latest.kind !== "found") return latest;
    request = withComponentId(request, componentVersionId(workspace, component, latest.version));
  }
  const outcome = await submitPipelineJob({ ...address, body: request });
  const runUpdate = { request };
  if (outcome.kind === "created" || outcome.kind === "existing") {
    return { kind: "submitted", httpStatus: outcome.httpStatus, pipelineRunId: outcome.jobName, runUpdate };
  }
  return { ...outcome, runUpdate };
}

function withComponentId(request: Record<string, unknown>, componentId: string): Record<string, unknown> {
  const properties = (request.properties ?? {}) as Record<string, unknown>;
  return { ...request, properties: { ...properties, componentId } };
}
