export {
  allowedSubmitUrlFor,
  submitUrlFor,
  WorkspaceNotConfiguredError,
  type EndpointPolicy,
  type WorkspaceSettings,
} from "./endpoint-url.js";
export {
  amlSubmitBodySchema,
  apiSubmitBody,
  pipelineSubmitBody,
  type AmlSubmitBody,
  type AmlSubmitRequest,
  type ScheduleSubmitInput,
} from "./request-body.js";
export { pythonFloatRepr, pythonStr, type PythonScalar } from "./python-str.js";
export {
  backoffDelayMs,
  BASE_DELAY_MS,
  classifyResponse,
  MAX_ATTEMPTS,
  MAX_BACKOFF_MS,
  MAX_RETRY_AFTER_MS,
  parseRetryAfterMs,
  retryDelayMs,
  type ResponseClass,
} from "./retry-policy.js";
export {
  MAX_MESSAGE_LENGTH,
  postPipelineRun,
  type PipelineRunRequest,
  type RunUpdate,
  type SubmitOutcome,
} from "./pipeline-client.js";
