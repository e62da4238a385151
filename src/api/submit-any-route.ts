import { ValidationError } from "../errors.js";
import { newRunId } from "../runs/run-ids.js";
import { parseInput } from "../schedules/parse-input.js";
import { scheduleDefinitionSchema } from "../schedules/schema.js";
import { isV2Target, targetFieldIssues } from "../schedules/target-rules.js";
import { allowedSubmitUrlFor } from "../submit/endpoint-url.js";
import { v2TargetingOf } from "../submit/new-run.js";
import { apiSubmitBody } from "../submit/request-body.js";
import { newV2Run } from "../submit/v2/v2-run.js";
import { checkV2Target } from "../submit/v2/v2-targeting.js";
import type { ApiRoute } from "./api-route.js";
import { JSON_CONTENT_TYPE, readJsonBody } from "./request-body.js";
import type { Services } from "./services.js";
import { acceptSubmission, newApiRun, SUBMIT_RESPONSES } from "./submit-routes.js";

/**
 * `POST /submit` (CONTRACT 4): submit once to any target, v1 or v2, with a body of a schedule's fields (camelCase,
 * validated as for a schedule); 202 with the wait's Location, as the v1 submit routes answer.
 */
export const submissionRequestSchema = scheduleDefinitionSchema
  .pick({
    target: true,
    experimentName: true,
    parameterAssignments: true,
    dataPathAssignments: true,
    dataSetDefinitionValueAssignments: true,
    outputs: true,
    continueOnStepFailure: true,
  })
  .meta({ id: "Submission" });

export function submitAnyTargetRoute(): ApiRoute {
  return {
    name: "submit",
    route: "submit",
    method: "POST",
    summary:
      "Submit once to any target (a published pipeline, a pipeline endpoint, an Azure ML v2 batch endpoint or " +
      "pipeline component); poll the Location to wait for it.",
    requestBody: { schema: submissionRequestSchema, mediaTypes: [JSON_CONTENT_TYPE] },
    responses: SUBMIT_RESPONSES,
    run: async (request, services) => {
      const body = parseInput(submissionRequestSchema, await readJsonBody(request, [JSON_CONTENT_TYPE]));
      const issues = targetFieldIssues(body);
      if (issues.length > 0) throw new ValidationError(issues);
      return acceptSubmission(request, services, newSubmissionRun(body, services));
    },
  };
}

function newSubmissionRun(body: ReturnType<typeof submissionRequestSchema.parse>, services: Services) {
  const now = services.clock();
  const { targeting } = services;
  if (isV2Target(body.target)) {
    const v2 = v2TargetingOf(targeting);
    checkV2Target(body.target, v2);
    return newV2Run(
      {
        id: newRunId(null, now),
        scheduleId: null,
        scheduleName: null,
        reason: "api",
        scheduledFor: null,
        createdAt: now,
        target: body.target,
        definition: body,
      },
      v2,
    );
  }
  const url = allowedSubmitUrlFor(body.target, targeting.workspace, targeting.endpoints);
  const submission = apiSubmitBody({
    ExperimentName: body.experimentName,
    ParameterAssignments: body.parameterAssignments,
    DataPathAssignments: Object.fromEntries(
      Object.entries(body.dataPathAssignments).map(([name, path]) => [
        name,
        { DataStoreName: path.dataStoreName, RelativePath: path.relativePath },
      ]),
    ),
    ...(body.dataSetDefinitionValueAssignments === undefined
      ? {}
      : { DataSetDefinitionValueAssignments: body.dataSetDefinitionValueAssignments }),
    ...(body.continueOnStepFailure === undefined
      ? {}
      : { ContinueOnStepFailure: body.continueOnStepFailure }),
  });
  return newApiRun(url, submission, now);
}
