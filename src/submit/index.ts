export {
  allowedSubmitUrlFor,
  submitUrlFor,
  WorkspaceNotConfiguredError,
  type EndpointPolicy,
  type WorkspaceSettings,
} from "./endpoint-url.js";
export {
  checkEndpointAllowed,
  hostMatches,
  isLoopbackHost,
  type EndpointCheckOptions,
} from "./host-patterns.js";
export {
  amlSubmitBodySchema,
  apiSubmitBody,
  pipelineSubmitBody,
  stringifyParameterValue,
  type AmlSubmitBody,
  type AmlSubmitRequest,
  type ScheduleSubmitInput,
  type SubmitReason,
} from "./request-body.js";
export {
  backoffDelayMs,
  BASE_DELAY_MS,
  classifyResponse,
  FinalSubmitError,
  MAX_ATTEMPTS,
  MAX_BACKOFF_MS,
  MAX_RETRY_AFTER_MS,
  parseRetryAfterMs,
  retryDelayMs,
  RetryableSubmitError,
  type ResponseClass,
} from "./retry-policy.js";
export {
  MAX_MESSAGE_LENGTH,
  postPipelineRun,
  submittedOrThrow,
  submitWithRetries,
  type PipelineRunRequest,
  type RetryOptions,
  type SubmitOutcome,
  type SubmitResult,
} from "./pipeline-client.js";
