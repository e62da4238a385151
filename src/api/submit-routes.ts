import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { z } from "zod";
import type { Services } from "./services.js";
import {
  PENDING_RETRY_AFTER_SECONDS,
  TERMINAL_STATUSES,
  type PipelineRunStatus,
} from "../pipeline-runs/pipeline-run-status.js";
import { answerWait, type RunWaitDependencies, type WaitAnswer } from "../pipeline-runs/run-wait.js";
import { statusReaders } from "../pipeline-runs/status-readers.js";
import { newRunId } from "../runs/run-ids.js";
import {
  newPendingRun,
  runSchema,
  toRunResponse,
  type NewRunRecord,
  type RunRecord,
} from "../runs/run-record.js";
import { parseInput } from "../schedules/parse-input.js";
import { targetSchema } from "../schedules/schema.js";
import { enqueueNewRun } from "../runs/run-queue.js";
import { allowedSubmitUrlFor } from "../submit/endpoint-url.js";
import { amlSubmitBodySchema, apiSubmitBody } from "../submit/request-body.js";
import { parseQuery, requiredParam, type ApiResponseDoc, type ApiRoute } from "./api-route.js";
import { problemResponse } from "./problem.js";
import { runWaitUrl } from "./public-url.js";
import { findRun } from "./run-routes.js";
import { JSON_CONTENT_TYPE, readJsonBody } from "./request-body.js";

/**
 * Submit-and-wait for Logic Apps and Data Factory (CONTRACT 4): submit once through the run queue, then follow
 * the asynchronous request-reply pattern (202 + Location + Retry-After until done) on `/runs/{runId}/wait`.
 */

/** How long one GET of a pipeline run's status may take. */
export const STATUS_TIMEOUT_MS = 10_000;

/**
 * A pipeline run that Failed or was Canceled, or a submission that failed, ends the wait with 424 Failed
 * Dependency (RFC 4918 11.4): a 4xx that Logic Apps' default retry policy does not retry (it retries 408, 429
 * and 5xx), so the HTTP action fails at once, and a non-2xx that fails a Data Factory Web activity.
 */
export const WAIT_FAILED_STATUS = 424;

export const submitEndpointQuerySchema = z.object({
  pipelineVersion: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .meta({ description: "The pipeline endpoint's version; its default version when absent." }),
});

/** The run as the wait answers it: the run, with what Azure ML last said about its pipeline run. */
export const runWaitSchema = runSchema
  .extend({
    pipelineStatusAt: z.iso
      .datetime()
      .nullable()
      .meta({ description: "When Azure ML was last asked (at most once per 5 seconds per run)." }),
  })
  .meta({ id: "RunWait" });
export type RunWait = z.output<typeof runWaitSchema>;

export const SUBMIT_RESPONSES: Record<number, ApiResponseDoc> = {
  202: {
    description: "The run, Pending until its submission is done.",
    schema: runSchema,
    headers: {
      Location:
        "`<scheme>://<host>/api/runs/{runId}/wait`, with `?code=<key>` when the request carried a function key: " +
        "poll it as is until the pipeline run ends.",
      "Retry-After": "Seconds to wait before the first poll.",
    },
  },
  400: { description: "The body, the id or the version is not valid; `errors` names each field." },
  413: { description: "The body is over 64 KiB." },
  415: { description: "The body is not JSON." },
};

export function submitRoutes(): ApiRoute[] {
  return [
    {
      name: "pipelines-submit",
      route: "pipelines/{pipelineId}/submit",
      method: "POST",
      summary:
        "Submit a published pipeline once (Logic Apps, Data Factory); poll the Location to wait for it.",
      pathParameters: { pipelineId: "The published pipeline's id." },
      requestBody: { schema: amlSubmitBodySchema, mediaTypes: [JSON_CONTENT_TYPE] },
      responses: SUBMIT_RESPONSES,
      run: async (request, services) =>
        submitOnce(request, services, { pipelineId: requiredParam(request, "pipelineId") }),
    },
    {
      name: "pipeline-endpoints-submit",
      route: "pipelineEndpoints/{id}/submit",
      method: "POST",
      summary:
        "Submit a pipeline endpoint once (Logic Apps, Data Factory); poll the Location to wait for it.",
      pathParameters: { id: "The pipeline endpoint's id." },
      query: submitEndpointQuerySchema,
      requestBody: { schema: amlSubmitBodySchema, mediaTypes: [JSON_CONTENT_TYPE] },
      responses: SUBMIT_RESPONSES,
      run: async (request, services) => {
        const { pipelineVersion } = parseQuery(request, submitEndpointQuerySchema);
        return submitOnce(request, services, {
          pipelineEndpointId: requiredParam(request, "id"),
          ...(pipelineVersion === undefined ? {} : { pipelineVersion }),
        });
      },
    },
    {
      name: "runs-wait",
      route: "runs/{runId}/wait",
      method: "GET",
      summary:
        "Wait for a run's pipeline run (asynchronous request-reply): 202 while it runs, 200 when it finished, " +
        `${WAIT_FAILED_STATUS} when it failed or was canceled.`,
      pathParameters: { runId: "The run's id." },
      responses: {
        200: {
          description: "The pipeline run Finished (or the run has no pipeline run to follow).",
          schema: runWaitSchema,
        },
        202: {
          description:
            "Not finished yet: the submission is Pending, or the pipeline run NotStarted or Running (any status " +
            "Azure ML reports that is not Finished, Failed or Canceled), or Azure ML did not answer this time.",
          schema: runWaitSchema,
          headers: {
            Location: "This URL, absolute and with the caller's function key, to poll again.",
            "Retry-After": "Seconds to wait before polling again.",
          },
        },
        404: { description: "There is no such run." },
        [WAIT_FAILED_STATUS]: {
          description:
            "The submission failed, or the pipeline run Failed or was Canceled; the problem names the reason and " +
            "carries `runId`, `runStatus`, `pipelineRunId` and `pipelineStatus`.",
        },
        502: {
          description:
            "Azure ML refused to report the pipeline run's status (e.g. 403), or answered something that is not " +
            "a pipeline run; asked again after 5 s.",
        },
      },
      run: async (request, services) => {
        const run = await findRun(services, request.params.runId);
        const answer = await answerWait(waitDependencies(services), run);
        // The wait read the end before the follower did: it records the end now, not at its next read.
        if (hasEnded(answer.check?.status) && run.status === "Submitted" && run.finishedAt === null) {
          await services.followUps.enqueue({ runId: run.id });
        }
        return waitResponse(run, answer, runWaitUrl(run.id, request));
      },
    },
  ];
}

async function submitOnce(request: HttpRequest, services: Services, rawTarget: Record<string, string>) {
  const body = parseInput(amlSubmitBodySchema, await readJsonBody(request, [JSON_CONTENT_TYPE]));
  const target = parseInput(targetSchema, rawTarget);
  const targeting = services.targeting;
  const url = allowedSubmitUrlFor(target, targeting.workspace, targeting.endpoints);
  return acceptSubmission(request, services, newApiRun(url, apiSubmitBody(body), services.clock()));
}

/** Saves and enqueues an API run, and answers 202 with the wait's Location (CONTRACT 4). */
export async function acceptSubmission(
  request: HttpRequest,
  services: Services,
  run: NewRunRecord,
): Promise<HttpResponseInit> {
  const created = await services.runs.create(run);
  if (!created.created) throw new Error(`Run ${run.id} was not created`);
  await enqueueNewRun({ runs: services.runs, queue: services.runQueue, log: services.log }, created.run);
  return {
    status: 202,
    headers: {
      Location: runWaitUrl(created.run.id, request),
      "Retry-After": String(PENDING_RETRY_AFTER_SECONDS),
    },
    jsonBody: toRunResponse(created.run),
  };
}

/** A Pending API run (reason `api`, no schedule) of the submitted body, to the resolved endpoint URL. */
export function newApiRun(endpointUrl: URL, body: ReturnType<typeof apiSubmitBody>, now: Date): NewRunRecord {
  return newPendingRun({
    id: newRunId(null, now),
    scheduleId: null,
    scheduleName: null,
    reason: "api",
    scheduledFor: null,
    createdAt: now.toISOString(),
    request: body as unknown as Record<string, unknown>,
    endpointUrl: endpointUrl.toString(),
  });
}

export function waitDependencies(services: Services): RunWaitDependencies {
  const readers = statusReaders(
    services.settings,
    services.credential,
    services.targeting.endpoints,
    STATUS_TIMEOUT_MS,
  );
  return {
    checks: services.statusChecks,
    fetchStatus: (url) => readers.pipelineRun(url),
    fetchJobStatus: (url) => readers.job(url),
    clock: services.clock,
    log: services.log,
  };
}

function waitResponse(run: RunRecord, answer: WaitAnswer, location: string): HttpResponseInit {
  // The shared check is written before the follower records it on the run: it is never older than the run's.
  const check = answer.check;
  const body: RunWait = {
    ...toRunResponse(run),
    ...(check === undefined
      ? {}
      : {
          pipelineStatus: check.status ?? run.pipelineStatus,
          pipelineStatusDetail: check.status === null ? run.pipelineStatusDetail : check.detail,
          pipelineStatusAt: check.checkedAt,
          finishedAt: run.finishedAt ?? (hasEnded(check.status) ? check.checkedAt : null),
        }),
  };
  const { verdict } = answer;
  switch (verdict.kind) {
    case "pending":
    case "running":
      return {
        status: 202,
        headers: { Location: location, "Retry-After": String(verdict.retryAfterSeconds) },
        jsonBody: body,
      };
    case "finished":
    case "untracked":
      return { status: 200, jsonBody: body };
    case "submissionFailed":
      return waitProblem(
        WAIT_FAILED_STATUS,
        `The submission of run ${run.id} failed: ${verdict.message}`,
        body,
      );
    case "skipped":
      return waitProblem(WAIT_FAILED_STATUS, `Run ${run.id} was skipped: ${verdict.message}`, body);
    case "ended":
      return waitProblem(
        WAIT_FAILED_STATUS,
        `The pipeline run ${run.pipelineRunId} of run ${run.id} ${verdict.status === "Failed" ? "failed" : "was canceled"}` +
          (answer.check?.detail ? `: ${answer.check.detail}` : "."),
        body,
      );
    case "statusUnavailable":
      return waitProblem(
        502,
        `The status of pipeline run ${run.pipelineRunId} could not be read: ${verdict.message}`,
        body,
      );
  }
}

function hasEnded(status: PipelineRunStatus | null | undefined): boolean {
  return status != null && TERMINAL_STATUSES.includes(status);
}

/** problem+json with the run's identifiers as extension members (RFC 9457 3.2), so a failed step shows them. */
function waitProblem(status: number, detail: string, run: RunWait): HttpResponseInit {
  const problem = problemResponse(status, detail);
  return {
    ...problem,
    jsonBody: {
      ...(problem.jsonBody as Record<string, unknown>),
      runId: run.id,
      runStatus: run.status,
      pipelineRunId: run.pipelineRunId,
      pipelineStatus: run.pipelineStatus,
      // A v2 job's own word (CONTRACT 7), so that a failed Logic App step shows Canceled, not only the run's.
      pipelineStatusDetail: run.pipelineStatusDetail,
    },
  };
}
