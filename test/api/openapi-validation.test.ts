import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRoutes } from "../../src/api/routes.js";
import { startApiUnderTest, type ApiUnderTest } from "./api-harness.js";

type Json = Record<string, unknown>;

describe("the OpenAPI document validates as OpenAPI 3.1", () => {
  let api: ApiUnderTest;
  let document: Json;
  beforeAll(async () => {
    api = await startApiUnderTest("2026-11-21T10:00:00.000Z");
    document = (await (await api.call("GET", "/openapi.json")).json()) as Json;
  });
  afterAll(async () => {
    await api.close();
  });

  it("passes @seriousme/openapi-schema-validator, with every $ref resolving", async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    // resolveRefs throws on a $ref that points nowhere.
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it("documents every route the API serves, each with its responses", () => {
    const paths = document.paths as Record<string, Record<string, Json>>;
    for (const route of apiRoutes()) {
      const operation = paths[`/${route.route}`]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} /${route.route}`).toBeDefined();
      expect(operation?.operationId).toBe(route.name);
      expect(Object.keys(operation?.responses as Json).length).toBeGreaterThan(1);
    }
  });

  it("describes submit-and-wait: the PascalCase body, the 202 headers and the wait's outcomes", () => {
    const paths = document.paths as Record<string, Record<string, Json>>;
    const submit = paths["/pipelines/{pipelineId}/submit"]?.post as Json;
    const body = (submit.requestBody as { content: Record<string, { schema: Json }> }).content[
      "application/json"
    ]?.schema as Json;
    expect(body.additionalProperties).toBe(false);
    expect(body.required).toEqual(["ExperimentName"]);
    expect(Object.keys(body.properties as Json)).toEqual([
      "ExperimentName",
      "ParameterAssignments",
      "DataPathAssignments",
      "DataSetDefinitionValueAssignments",
      "RunSource",
      "ContinueRunOnStepFailure",
      "ContinueOnStepFailure",
      "Description",
      "Tags",
    ]);
    expect(Object.keys((submit.responses as Record<string, Json>)["202"]?.headers as Json)).toEqual([
      "Location",
      "Retry-After",
    ]);
    const endpointSubmit = paths["/pipelineEndpoints/{id}/submit"]?.post as Json;
    expect((endpointSubmit.parameters as Json[]).map((parameter) => parameter.name)).toEqual([
      "id",
      "pipelineVersion",
    ]);
    const wait = paths["/runs/{runId}/wait"]?.get as Json;
    const waitResponses = wait.responses as Record<string, { content?: Record<string, { schema: Json }> }>;
    expect(Object.keys(waitResponses).sort()).toEqual(["200", "202", "404", "424", "500", "502", "503"]);
    const finished = waitResponses["200"]?.content?.["application/json"]?.schema as {
      properties: Record<string, Json>;
    };
    expect(finished.properties.pipelineStatus).toMatchObject({
      anyOf: [
        { type: "string", enum: ["NotStarted", "Running", "Failed", "Finished", "Canceled"] },
        { type: "null" },
      ],
    });
    expect(Object.keys(waitResponses["424"]?.content ?? {})).toEqual(["application/problem+json"]);
  });
});
