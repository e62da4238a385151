import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  STATUS_PAGE_CSP,
  STATUS_PAGE_SCRIPT,
  STATUS_PAGE_STYLE,
  statusPageHtml,
} from "../../src/ui/status-page-route.js";
import { studioWorkspaceId } from "../../src/ui/studio-workspace.js";
import { startApiUnderTest, TEST_WORKSPACE_SETTINGS, type ApiUnderTest } from "../api/api-harness.js";

const hashOf = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

describe("studioWorkspaceId", () => {
  it("builds the ml.azure.com wsid from the workspace settings", () => {
    expect(
      studioWorkspaceId({
        AML_SUBSCRIPTION_ID: "11111111-2222-3333-4444-555555555555",
        AML_RESOURCE_GROUP: "ml-rg(prod)",
        AML_WORKSPACE_NAME: "ml-ws",
        AML_PIPELINES_BASE_URL: undefined,
      }),
    ).toBe("/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/ml-rg(prod)/workspaces/ml-ws");
  });

  it("is null without a workspace, and for the local sandbox on a loopback address", () => {
    const workspace = {
      AML_SUBSCRIPTION_ID: "11111111-2222-3333-4444-555555555555",
      AML_RESOURCE_GROUP: "rg",
      AML_WORKSPACE_NAME: "ws1",
    };
    expect(
      studioWorkspaceId({ ...workspace, AML_WORKSPACE_NAME: undefined, AML_PIPELINES_BASE_URL: undefined }),
    ).toBeNull();
    for (const host of ["127.0.0.1:7071", "localhost", "[::1]:8080"]) {
      expect(
        studioWorkspaceId({ ...workspace, AML_PIPELINES_BASE_URL: `http://${host}/api/sandbox` }),
      ).toBeNull();
    }
    expect(
      studioWorkspaceId({ ...workspace, AML_PIPELINES_BASE_URL: "https://westeurope.api.azureml.ms" }),
    ).toBe("/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/rg/workspaces/ws1");
  });
});

describe("statusPageHtml", () => {
  it("lets exactly its own script and style run, by hash", () => {
    expect(STATUS_PAGE_CSP).toContain(`script-src ${hashOf(STATUS_PAGE_SCRIPT)};`);
    expect(STATUS_PAGE_CSP).toContain(`style-src ${hashOf(STATUS_PAGE_STYLE)};`);
    const html = statusPageHtml({ studioWorkspaceId: null, ianaZoneByWindowsId: {} });
    expect(html).toContain(`<script>${STATUS_PAGE_SCRIPT}</script>`);
    expect(html).toContain(`<style>${STATUS_PAGE_STYLE}</style>`);
  });

  it("inlines src/ui/browser/status-page.css as written, and its TypeScript as one classic strict script", async () => {
    expect(STATUS_PAGE_STYLE).toBe(
      await readFile(new URL("../../src/ui/browser/status-page.css", import.meta.url), "utf8"),
    );
    // An inline <script> is not a module: the bundle is one function run at once, with no import or export.
    expect(STATUS_PAGE_SCRIPT).toMatch(/^"use strict";\n\(\(\) => \{\n[\s\S]+\n\}\)\(\);\n$/);
    expect(STATUS_PAGE_SCRIPT).not.toMatch(/^\s*(import|export)\s/m);
    expect(STATUS_PAGE_SCRIPT).toContain('KEY_STORAGE = "aml-pipeline-scheduler.functions-key";');
  });

  it("keeps the config block data: no text can close the script element", () => {
    const html = statusPageHtml({
      studioWorkspaceId: "/subscriptions/x</script><script>alert(1)</script>",
      ianaZoneByWindowsId: {},
    });
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).toContain("\\u003c/script>\\u003cscript>alert(1)\\u003c/script>");
    expect(STATUS_PAGE_SCRIPT.toLowerCase()).not.toContain("</script");
    expect(STATUS_PAGE_SCRIPT).not.toContain("innerHTML");
  });
});

describe("GET /api/ui and triggerDescription in schedules", () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApiUnderTest("2026-11-21T10:00:00.000Z");
  });
  afterAll(() => api.close());

  it("serves the page with the workspace's studio id and headers that keep ?code= private", async () => {
    const response = await api.call("GET", "/ui?code=secret-key");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toBe(STATUS_PAGE_CSP);
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await response.text();
    expect(html).toContain(
      `"studioWorkspaceId":"/subscriptions/${TEST_WORKSPACE_SETTINGS.AML_SUBSCRIPTION_ID}/resourcegroups/ml-rg/workspaces/ml-ws"`,
    );
    expect(html).toContain('"w. europe standard time":"Europe/Berlin"');
    expect(html).not.toContain("secret-key");
  });

  it("documents the page in the OpenAPI document", async () => {
    const document = (await (await api.call("GET", "/openapi.json")).json()) as {
      paths: Record<string, { get?: { operationId: string } }>;
    };
    expect(document.paths["/ui"]?.get?.operationId).toBe("ui");
  });

  it("returns the trigger in plain words, read-only, and takes the returned trigger back in a PATCH", async () => {
    const created = await api.call("POST", "/schedules", {
      body: {
        name: "described",
        experimentName: "Exp",
        target: { pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" },
        trigger: { type: "datastore", datastoreName: "workspaceblobstore", pathOnDatastore: "incoming" },
      },
    });
    expect(created.status).toBe(201);
    const schedule = (await created.json()) as { id: string; trigger: unknown; triggerDescription: string };
    expect(schedule.triggerDescription).toBe(
      "When a file is added to or changed in workspaceblobstore/incoming, checked every 5 minutes",
    );
    const listed = (await (await api.call("GET", "/schedules")).json()) as {
      value: { triggerDescription: string }[];
    };
    expect(listed.value.map((item) => item.triggerDescription)).toEqual([schedule.triggerDescription]);

    const patched = await api.call("PATCH", `/schedules/${schedule.id}`, {
      body: { trigger: { ...(schedule.trigger as object), pollingIntervalMinutes: 60 } },
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { triggerDescription: string }).triggerDescription).toBe(
      "When a file is added to or changed in workspaceblobstore/incoming, checked every hour",
    );
    const readOnly = await api.call("PATCH", `/schedules/${schedule.id}`, {
      body: { triggerDescription: "Every minute" },
    });
    expect(readOnly.status).toBe(400);
    expect(await readOnly.json()).toMatchObject({
      errors: [{ path: "triggerDescription", message: "is read-only" }],
    });
  });
});
