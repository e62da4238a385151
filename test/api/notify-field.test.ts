import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiUnderTest, type ApiUnderTest } from "./api-harness.js";

/** CONTRACT 1 and 8: the `notify` field of a schedule, its defaults, its 400s, its host rules and its PATCH. */

const NOW = "2026-11-21T10:00:00.000Z";
const LOGIC_APP =
  "https://prod-12.westeurope.logic.azure.com:443/workflows/0123/triggers/notification/paths/invoke?api-version=2016-10-01&sig=abc";

function schedule(name: string, notify: unknown): Record<string, unknown> {
  return {
    name,
    experimentName: "Retrain",
    target: { pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" },
    trigger: { type: "cron", expression: "0 30 2 * * *" },
    ...(notify === undefined ? {} : { notify }),
  };
}

interface Problem {
  status: number;
  errors?: { path: string; message: string }[];
}

describe("the notify field, in Azure (no loopback receivers)", () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApiUnderTest(NOW);
  });
  afterAll(async () => {
    await api.close();
  });

  const create = (name: string, notify: unknown) =>
    api.call("POST", "/schedules", { body: schedule(name, notify) });

  it('is kept as given, with on defaulting to ["Failed"], and absent when not given', async () => {
    const created = await create("with-notify", { url: LOGIC_APP });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { notify: unknown }).notify).toEqual({
      url: LOGIC_APP,
      on: ["Failed"],
    });
    const plain = await create("without-notify", undefined);
    expect(Object.keys((await plain.json()) as object)).not.toContain("notify");
  });

  it.each([
    [{ url: LOGIC_APP, on: ["Failed", "Cancelled"] }, "notify.on[1]", '"Cancelled" is not an event'],
    [{ url: LOGIC_APP, on: [] }, "notify.on", "at least one event"],
    [{ url: LOGIC_APP, on: ["Failed", "Failed"] }, "notify.on", "twice"],
    [{ url: "https://hooks.example.com/notify" }, "notify.url", "ALLOWED_NOTIFY_HOSTS"],
    [{ url: "http://prod-12.westeurope.logic.azure.com/workflows/x" }, "notify.url", "https"],
    [{ url: "http://127.0.0.1:9/notify" }, "notify.url", "https"],
    [{ url: "https://user:secret@prod-12.westeurope.logic.azure.com/x" }, "notify.url", "user name"],
    [{ url: "ftp://prod-12.westeurope.logic.azure.com/x" }, "notify.url", "https"],
    [{ url: LOGIC_APP, when: ["Failed"] }, "notify.when", "unknown field"],
    [{ on: ["Failed"] }, "notify.url", "is required"],
  ])("refuses notify %j with a 400 on %s, creating nothing", async (notify, path, message) => {
    const name = `refused-${Math.random().toString(16).slice(2, 10)}`;
    const response = await create(name, notify);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as Problem;
    expect(problem.errors).toEqual([{ path, message: expect.stringContaining(message) as unknown }]);
    expect((await api.call("GET", `/schedules/${name}`)).status).toBe(404);
  });

  it("is patched as a merge patch: on alone keeps the url, null removes it, a refused url changes nothing", async () => {
    const created = (await (await create("patched-notify", { url: LOGIC_APP })).json()) as { id: string };
    const patch = (body: unknown) => api.call("PATCH", `/schedules/${created.id}`, { body });

    const onPatched = await patch({ notify: { on: ["Failed", "Paused"] } });
    expect(onPatched.status).toBe(200);
    expect(((await onPatched.json()) as { notify: unknown }).notify).toEqual({
      url: LOGIC_APP,
      on: ["Failed", "Paused"],
    });

    const refused = await patch({ notify: { url: "https://evil.example.net/x" } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Problem).errors?.[0]?.path).toBe("notify.url");
    const unchanged = (await (await api.call("GET", `/schedules/${created.id}`)).json()) as {
      notify: unknown;
    };
    expect(unchanged.notify).toEqual({ url: LOGIC_APP, on: ["Failed", "Paused"] });

    const removed = await patch({ notify: null });
    expect(removed.status).toBe(200);
    expect(Object.keys((await removed.json()) as object)).not.toContain("notify");
  });

  it("is described in /openapi.json, with the notification body as a webhook", async () => {
    const document = (await (await api.call("GET", "/openapi.json")).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
      webhooks?: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>;
    };
    expect(Object.keys(document.components.schemas.Schedule?.properties ?? {})).toContain("notify");
    expect(document.components.schemas.Notify?.properties).toHaveProperty("on");
    expect(document.webhooks?.runNotification?.post.requestBody.content["application/json"]?.schema).toEqual({
      $ref: "#/components/schemas/Notification",
    });
    expect(Object.keys(document.components.schemas.NotifiedRun?.properties ?? {})).not.toContain("request");
  });
});

describe("the notify field on the local host (loopback receivers allowed)", () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApiUnderTest(
      NOW,
      { allowLoopbackEndpoints: true },
      { ALLOWED_NOTIFY_HOSTS: "hooks.example.com" },
    );
  });
  afterAll(async () => {
    await api.close();
  });

  it("takes a loopback receiver over http, and the hosts of ALLOWED_NOTIFY_HOSTS, and no other", async () => {
    const post = (name: string, url: string) =>
      api.call("POST", "/schedules", { body: schedule(name, { url, on: ["Failed", "Skipped"] }) });
    expect((await post("loopback-v4", "http://127.0.0.1:7071/api/sandbox/notifications")).status).toBe(201);
    expect((await post("loopback-name", "http://localhost:8080/hook")).status).toBe(201);
    expect((await post("listed-host", "https://hooks.example.com/notify")).status).toBe(201);
    const refused = await post("default-host", LOGIC_APP);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Problem).errors?.[0]?.message).toContain(
      "ALLOWED_NOTIFY_HOSTS is hooks.example.com",
    );
  });
});
