import type { RunRecord } from "../runs/run-record.js";
import type { AmlAccess } from "./aml-access.js";
import { exchangeJson } from "./json-exchange.js";
import type { AmlSubmitBody } from "./request-body.js";

/** The HTTP adapter that POSTs one submission to a published pipeline endpoint (CONTRACT 3). */

export { MAX_MESSAGE_LENGTH } from "./json-exchange.js";

/**
 * What the submission learnt that the run should keep (CONTRACT 7): a v2 run's scoring URI once looked up, its job's
 * body once `latest` was read, where its status is read.
 */
export type RunUpdate = Partial<Pick<RunRecord, "endpointUrl" | "request" | "v2">>;

export type SubmitOutcome = (
  | { kind: "submitted"; httpStatus: number; pipelineRunId: string | null }
  | { kind: "retryable"; httpStatus: number | null; message: string; retryAfterMs: number | null }
  | { kind: "final"; httpStatus: number | null; message: string }
) & { runUpdate?: RunUpdate };

export interface PipelineRunRequest extends AmlAccess {
  url: URL;
  body: AmlSubmitBody;
  /** For the token, the POST and reading the answer together. */
  timeoutMs: number;
  fetchImpl?: typeof fetch;
  /** Reads the clock for a `Retry-After` given as an HTTP-date. */
  clock?: () => Date;
}

/** Makes exactly one POST and says what came of it; never throws and never reveals the token. */
export async function postPipelineRun(request: PipelineRunRequest): Promise<SubmitOutcome> {
  const { body, ...exchange } = request;
  const outcome = await exchangeJson({ ...exchange, method: "POST", body });
  if (outcome.kind !== "answered") return outcome;
  return {
    kind: "submitted",
    httpStatus: outcome.httpStatus,
    pipelineRunId: pipelineRunIdFrom(outcome.json),
  };
}

/** AML answers `PipelineRun` JSON; the run id is `Id`, or `PipelineRunId` in older answers (CONTRACT 3). */
function pipelineRunIdFrom(json: Record<string, unknown> | null): string | null {
  if (json === null) return null;
  for (const field of ["Id", "PipelineRunId"]) {
    const value = json[field];
    if (typeof value === "string" && value !== "") return value;
  }
  return null;
}
