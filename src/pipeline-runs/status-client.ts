import { amlRequestHeaders, describeError, redact, type AmlAccess } from "../submit/aml-access.js";
import { reportedStatusOf, type ReportedStatus } from "./pipeline-run-status.js";

/** The HTTP adapter that reads one pipeline run's status from the Azure ML pipelines service. */

export type StatusOutcome =
  | ({ kind: "status" } & ReportedStatus)
  /** Worth asking again later: a network error, a timeout, 408, 429 or 5xx. */
  | { kind: "transient"; httpStatus: number | null; message: string }
  /** Asking again the same way gets the same answer: another 4xx, a redirect, or an answer without a status. */
  | { kind: "final"; httpStatus: number | null; message: string };

/** The status URL shares the submit URL's host; the same endpoint and token rules apply (CONTRACT 3). */
export interface StatusRequest extends AmlAccess {
  url: URL;
  timeoutMs: number;
  fetchImpl?: typeof fetch;
  /** How the answer reads: a v1 PipelineRunEntity (the default) or a v2 job (job-status.ts). */
  readStatus?: (body: unknown) => ReportedStatus | undefined;
  /** What the answer is, for the message when it cannot be read. */
  answerKind?: string;
}

const MAX_MESSAGE_LENGTH = 500;

/** One GET of the run's status; never throws and never reveals the token. */
export async function fetchPipelineRunStatus(request: StatusRequest): Promise<StatusOutcome> {
  const { url, timeoutMs } = request;
  const signal = AbortSignal.timeout(timeoutMs);
  const access = await amlRequestHeaders(url, request, signal, { Accept: "application/json" });
  if (access.kind === "refused") return { kind: "final", httpStatus: null, message: access.message };
  if (access.kind === "noToken") return transient(null, access.message);
  const { headers, token } = access;
  let response: Response;
  let text: string;
  try {
    response = await (request.fetchImpl ?? fetch)(url, {
      method: "GET",
      headers,
      redirect: "manual",
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (signal.aborted) return transient(null, `No status from ${url.host} within ${timeoutMs} ms`);
    return transient(null, redact(`Could not reach ${url.host}: ${describeError(error)}`, token));
  }
  const status = response.status;
  if (status >= 200 && status < 300) {
    const reported = (request.readStatus ?? reportedStatusOf)(parseJson(text));
    if (reported !== undefined) return { kind: "status", ...reported };
    return {
      kind: "final",
      httpStatus: status,
      message: `The answer of ${url.host} is not ${request.answerKind ?? "a pipeline run with a readable Status"}`,
    };
  }
  const message = redact(`${url.host} answered ${status}: ${summary(text)}`, token);
  if (status === 408 || status === 429 || status >= 500) return transient(status, message);
  return { kind: "final", httpStatus: status, message };
}

function transient(httpStatus: number | null, message: string): StatusOutcome {
  return { kind: "transient", httpStatus, message };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** AML errors are `{ "error": { "message" } }`; otherwise the start of the text. */
function summary(text: string): string {
  const json = parseJson(text) as { error?: { message?: unknown } } | undefined;
  const message = typeof json?.error?.message === "string" ? json.error.message : text.trim();
  if (message === "") return "(no body)";
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message;
}
