import type { RunRecord } from "../runs/run-record.js";
import { runStatusLocation } from "./pipeline-run-status.js";
import type { StatusOutcome } from "./status-client.js";

/**
 * The one read of any run's status, by its target kind (runStatusLocation): the v1 pipeline run or the v2 job. The
 * wait (run-wait.ts) and the follower of submitted runs read every run through `readRunStatus`.
 */
/** One GET of a status URL of each kind, with the token rules of that kind. */
export interface StatusReaders {
  pipelineRun(url: URL): Promise<StatusOutcome>;
  job(url: URL): Promise<StatusOutcome>;
}

/** The run's status as its service reports it now; undefined when nothing says where it could be read. */
export async function readRunStatus(
  run: Pick<RunRecord, "endpointUrl" | "pipelineRunId" | "v2">,
  readers: StatusReaders,
): Promise<StatusOutcome | undefined> {
  const location = runStatusLocation(run);
  if (location === undefined) return undefined;
  return location.kind === "job" ? readers.job(location.url) : readers.pipelineRun(location.url);
}
