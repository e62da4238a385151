import type { TokenCredential } from "@azure/identity";
import type { Settings } from "../settings/settings.js";
import type { EndpointPolicy } from "../submit/endpoint-url.js";
import { armAccess } from "../submit/v2/v2-access.js";
import { reportedJobStatusOf } from "./job-status.js";
import type { StatusReaders } from "./run-status.js";
import { fetchPipelineRunStatus } from "./status-client.js";

/**
 * The status readers of a host (run-status.ts): a v1 pipeline run with the v1 token (AML_TOKEN_SCOPE to
 * AML_TOKEN_HOSTS, CONTRACT 3), a v2 job with the Resource Manager token (AML_ARM_TOKEN_SCOPE to AML_ARM_BASE_URL's
 * host, CONTRACT 6, 7).
 */
export function statusReaders(
  settings: Pick<
    Settings,
    "AML_TOKEN_SCOPE" | "AML_TOKEN_HOSTS" | "AML_ARM_BASE_URL" | "AML_ARM_TOKEN_SCOPE"
  >,
  credential: TokenCredential,
  endpointPolicy: EndpointPolicy,
  timeoutMs: number,
): StatusReaders {
  return {
    pipelineRun: (url) =>
      fetchPipelineRunStatus({
        url,
        tokenProvider: credential,
        tokenScope: settings.AML_TOKEN_SCOPE,
        tokenHosts: settings.AML_TOKEN_HOSTS,
        endpointPolicy,
        timeoutMs,
      }),
    job: (url) =>
      fetchPipelineRunStatus({
        url,
        ...armAccess(settings, credential),
        timeoutMs,
        readStatus: reportedJobStatusOf,
        answerKind: "an Azure ML job with a readable properties.status",
      }),
  };
}
