import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  NOTIFICATION_EVENTS,
  notificationPayload,
  notificationSchema,
} from "../../src/notifications/notification-payload.js";
import type { RunRecord } from "../../src/runs/run-record.js";
import { checkNotifyUrlAllowed } from "../../src/schedules/notify-url.js";
import { loadSettings } from "../../src/settings/settings.js";
import { bicepParams, INFRA_DIR, readBicep } from "./bicep-source.js";

/**
 * infra/examples/logic-app-notify.bicep is reviewed by reading (the Bicep CLI and Azure are out of reach of the
 * tests); this checks what can be checked off its text: the trigger's schema agrees with the payload the service
 * sends, the fields the workflow reads exist, the trigger's host passes the default ALLOWED_NOTIFY_HOSTS, and no
 * secret leaves as an output.
 */

const bicep = readBicep("examples/logic-app-notify.bicep");

interface JsonSchema {
  type?: string | string[];
  enum?: string[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
}
const triggerSchema = JSON.parse(
  readFileSync(path.join(INFRA_DIR, "examples", "logic-app-notify.schema.json"), "utf8"),
) as JsonSchema;

/** The subset of JSON Schema the trigger's schema uses: type, enum, required, properties. */
function violations(schema: JsonSchema, value: unknown, at = "body"): string[] {
  const types = schema.type === undefined ? [] : [schema.type].flat();
  const typeOf =
    value === null
      ? "null"
      : Array.isArray(value)
        ? "array"
        : Number.isInteger(value)
          ? "integer"
          : typeof value;
  if (types.length && !types.includes(typeOf) && !(typeOf === "integer" && types.includes("number"))) {
    return [`${at} is ${typeOf}, not ${types.join(" or ")}`];
  }
  if (schema.enum && !schema.enum.includes(value as string))
    return [`${at} is not one of ${schema.enum.join(", ")}`];
  if (typeOf !== "object") return [];
  const object = value as Record<string, unknown>;
  return [
    ...(schema.required ?? []).filter((key) => !(key in object)).map((key) => `${at}.${key} is missing`),
    ...Object.entries(schema.properties ?? {}).flatMap(([key, inner]) =>
      key in object ? violations(inner, object[key], `${at}.${key}`) : [],
    ),
  ];
}

const AT = new Date("2026-12-01T02:31:07Z");
function failedRun(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id: "run-1",
    scheduleId: "s-1",
    scheduleName: "nightly-retrain",
    reason: "recurrence",
    scheduledFor: "2026-12-01T02:30:00.000Z",
    createdAt: "2026-12-01T02:30:01.000Z",
    submittedAt: null,
    status: "Failed",
    attempts: 1,
    pipelineRunId: null,
    httpStatus: 404,
    error: 'Pipeline <b onmouseover="x">gone</b> was not found',
    changedBlob: null,
    request: { ExperimentName: "Retrain" },
    endpointUrl: "https://westeurope.api.azureml.ms/pipelines/v1.0/subscriptions/x/submit",
    nextAttemptAt: null,
    etag: "W/1",
    ...overrides,
  };
}
const schedule = { id: "s-1", definition: { name: "nightly-retrain" } };

describe("infra/examples/logic-app-notify.bicep", () => {
  it("validates the body with a schema of the notification the service sends", () => {
    expect(triggerSchema.properties?.event?.enum).toEqual([...NOTIFICATION_EVENTS]);
    expect(bicep.text).toContain("loadJsonContent('logic-app-notify.schema.json')");
    expect(bicep.text).toContain("operationOptions: 'EnableSchemaValidation'");
    // Every field the trigger requires is one the service always sends (the zod schema requires it too).
    const service = notificationSchema.shape;
    expect(Object.keys(service).sort()).toEqual([...(triggerSchema.required ?? [])].sort());
    const runShape = service.run.shape;
    for (const key of triggerSchema.properties?.run?.required ?? [])
      expect(Object.keys(runShape)).toContain(key);
    for (const key of triggerSchema.properties?.schedule?.required ?? []) {
      expect(Object.keys(service.schedule.shape)).toContain(key);
    }
  });

  it("accepts what the service POSTs: a failed submission, a pipeline run failed in Azure ML, each event", () => {
    const submitted = failedRun({
      status: "Submitted",
      submittedAt: "2026-12-01T02:30:02.000Z",
      pipelineRunId: "0d6f8c1e-1111-2222-3333-444455556666",
      httpStatus: 200,
      error: null,
    });
    for (const event of ["Failed", "Canceled", "Skipped", "Paused"] as const) {
      for (const run of [failedRun(), submitted]) {
        const body: unknown = JSON.parse(JSON.stringify(notificationPayload(event, schedule, run, AT)));
        expect(violations(triggerSchema, body), event).toEqual([]);
      }
    }
    // And the checker would catch a body that is not one: a wrong event, a run without outcome.
    const wrong = { ...notificationPayload("Failed", schedule, failedRun(), AT), event: "run.finished" };
    expect(violations(triggerSchema, wrong)).toEqual([
      "body.event is not one of " + NOTIFICATION_EVENTS.join(", "),
    ]);
    const { outcome: _outcome, ...runWithout } = notificationPayload("Failed", schedule, failedRun(), AT).run;
    expect(
      violations(triggerSchema, {
        event: "run.failed",
        at: AT.toISOString(),
        schedule: { id: "s-1" },
        run: runWithout,
      }),
    ).toEqual(["body.schedule.name is missing", "body.run.outcome is missing"]);
  });

  it("reads only fields the trigger's schema declares", () => {
    const read = [
      ...bicep.text.matchAll(/triggerBody\(\)\?\[\\'([a-zA-Z]+)\\'\](?:\?\[\\'([a-zA-Z]+)\\'\])?/g),
    ];
    expect(read.length).toBeGreaterThan(5);
    for (const [, top, inner] of read) {
      const declared = triggerSchema.properties?.[top ?? ""];
      expect(declared, top).toBeDefined();
      if (inner !== undefined)
        expect(Object.keys(declared?.properties ?? {}), `${top}.${inner}`).toContain(inner);
    }
  });

  it("is an HTTP request trigger on a host the default ALLOWED_NOTIFY_HOSTS allows, over https", () => {
    expect(bicep.text).toMatch(/When_a_notification_arrives: \{\n\s+type: 'Request'\n\s+kind: 'Http'/);
    const { ALLOWED_NOTIFY_HOSTS } = loadSettings({ AzureWebJobsStorage: "UseDevelopmentStorage=true" });
    // The shape of a Consumption Logic App's callback URL (listCallbackUrl); sig is the trigger's secret.
    const callback = new URL(
      "https://prod-27.westeurope.logic.azure.com:443/workflows/0123456789abcdef/triggers/When_a_notification_arrives/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2FWhen_a_notification_arrives%2Frun&sv=1.0&sig=abc",
    );
    expect(() =>
      checkNotifyUrlAllowed(callback, { allowedHosts: ALLOWED_NOTIFY_HOSTS, allowLoopback: false }),
    ).not.toThrow();
    expect(() =>
      checkNotifyUrlAllowed(new URL(callback.href.replace("https:", "http:")), {
        allowedHosts: ALLOWED_NOTIFY_HOSTS,
        allowLoopback: false,
      }),
    ).toThrow(/notify\.url/);
  });

  it("keeps the Teams webhook secure and outputs no trigger URL, describing every parameter", () => {
    const params = bicepParams(bicep);
    expect(params.map((param) => param.name)).toEqual([
      "location",
      "workflowName",
      "deliverBy",
      "teamsWebhookUrl",
      "mailTo",
    ]);
    for (const param of params) expect(param.decorators, param.name).toContain("@description('");
    expect(params.find((param) => param.name === "teamsWebhookUrl")?.decorators).toContain("@secure()");
    expect(bicep.text).toMatch(/teamsWebhookUrl: \{\n\s+type: 'SecureString'/);
    const outputs = bicep.text.split("\n").filter((line) => line.startsWith("output "));
    expect(outputs).toEqual(["output workflowId string = workflow.id"]);
    expect(bicep.text).not.toMatch(/listCallbackUrl\(/);
  });

  it("escapes the run's error in the mail's HTML body", () => {
    expect(bicep.text).toMatch(
      /var errorHtml = '@\{replace\(replace\(replace\(coalesce\(triggerBody\(\)\?\[\\'run\\'\]\?\[\\'error\\'\]/,
    );
    expect(bicep.text).toContain("\\'&\\', \\'&amp;\\'), \\'<\\', \\'&lt;\\'), \\'>\\', \\'&gt;\\')");
    const mailBody = /Body: '(.*)'\n/.exec(bicep.text)?.[1] ?? "";
    expect(mailBody).toContain("${errorHtml}");
    expect(mailBody).not.toContain("${errorText}");
  });
});
