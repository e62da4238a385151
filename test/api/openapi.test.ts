import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiUnderTest, type ApiUnderTest } from "./api-harness.js";

type Json = Record<string, unknown>;

function collectRefs(value: unknown, refs: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => collectRefs(item, refs));
  else if (typeof value === "object" && value !== null) {
    for (const [key, member] of Object.entries(value)) {
      if (key === "$ref" && typeof member === "string") refs.push(member);
      else collectRefs(member, refs);
    }
  }
  return refs;
}

describe("GET /openapi.json", () => {
  let api: ApiUnderTest;
  let document: Json;
  beforeAll(async () => {
    api = await startApiUnderTest("2026-11-21T10:00:00.000Z");
    const response = await api.call("GET", "/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    document = (await response.json()) as Json;
  });
  afterAll(async () => {
    await api.close();
  });

  it("is an OpenAPI 3.1 document with every route and method", () => {
    expect(document.openapi).toBe("3.1.0");
    const paths = document.paths as Record<string, Json>;
    const operations = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        "POST /schedules",
        "GET /schedules",
        "GET /schedules/{id}",
        "PATCH /schedules/{id}",
        "DELETE /schedules/{id}",
        "POST /schedules/{id}/enable",
        "POST /schedules/{id}/disable",
        "GET /schedules/{id}/next",
        "POST /schedules/{id}/trigger",
        "GET /schedules/{id}/runs",
        "GET /schedules/{id}/lag",
        "GET /runs/{runId}",
        "GET /runs/{runId}/wait",
        "POST /pipelines/{pipelineId}/submit",
        "POST /pipelineEndpoints/{id}/submit",
        "POST /submit",
        "GET /ui",
        "POST /triggers/preview",
        "GET /health",
        "GET /openapi.json",
      ].sort(),
    );
  });

  it("resolves every $ref to a component", () => {
    const schemas = (document.components as { schemas: Json }).schemas;
    const refs = collectRefs(document);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(schemas[ref.slice("#/components/schemas/".length)], ref).toBeDefined();
    }
  });

  it("describes bodies, parameters and problems from the zod schemas", () => {
    const paths = document.paths as Record<string, Record<string, Json>>;
    const schemas = (document.components as { schemas: Record<string, Json> }).schemas;
    const create = paths["/schedules"]!.post!;
    expect(create.requestBody).toEqual({
      required: true,
      content: { "application/json": { schema: { $ref: "#/components/schemas/ScheduleDefinition" } } },
    });
    expect(schemas.ScheduleDefinition!.required).toEqual(["name", "target", "experimentName", "trigger"]);
    expect(schemas.ScheduleDefinition!.additionalProperties).toBe(false);
    expect(Object.keys(schemas.Schedule!.properties as Json)).toEqual(
      expect.arrayContaining(["id", "etag", "nextRunAt", "createdAt", "trigger"]),
    );
    const badRequest = (create.responses as Record<string, Json>)["400"]!;
    expect(badRequest.content).toEqual({
      "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } },
    });
    const top = (paths["/schedules"]!.get!.parameters as Json[]).find(
      (parameter) => parameter.name === "top",
    );
    expect(top).toEqual({
      name: "top",
      in: "query",
      required: false,
      schema: { default: 100, description: "Page size.", type: "integer", minimum: 1, maximum: 1000 },
    });
    expect((paths["/schedules"]!.get!.responses as Record<string, Json>)["503"]).toEqual({
      description: "The service's storage is unreachable; retry later.",
      headers: {
        "Retry-After": { description: "Seconds to wait before retrying (10).", schema: { type: "string" } },
      },
      content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
    });
    const patch = paths["/schedules/{id}"]!.patch!.requestBody as { content: Json };
    expect(Object.keys(patch.content)).toEqual(["application/merge-patch+json", "application/json"]);
  });
});
