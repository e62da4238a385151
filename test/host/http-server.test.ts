import { HttpResponse, type HttpHandler } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalHttpServer, type LocalHttpServer } from "../../src/host/local/http-server.js";
import type { HttpTriggerSpec } from "../../src/host/trigger-list.js";

const echo =
  (label: string): HttpHandler =>
  async (request, context) => ({
    status: 200,
    jsonBody: {
      label,
      function: context.functionName,
      method: request.method,
      params: request.params,
      query: Object.fromEntries(request.query.entries()),
      header: request.headers.get("x-test"),
      body: await request.text(),
    },
  });

const triggers: HttpTriggerSpec[] = [
  { kind: "http", name: "item-get", route: "items/{id}", methods: ["GET"], handler: echo("item-get") },
  {
    kind: "http",
    name: "item-delete",
    route: "items/{id}",
    methods: ["DELETE"],
    handler: echo("item-delete"),
  },
  {
    kind: "http",
    name: "item-special",
    route: "items/special",
    methods: ["GET"],
    handler: echo("item-special"),
  },
  {
    kind: "http",
    name: "item-child",
    route: "items/{id}/parts/{part}",
    methods: ["POST"],
    handler: echo("child"),
  },
  {
    kind: "http",
    name: "response-object",
    route: "response",
    methods: ["GET"],
    handler: () =>
      Promise.resolve(new HttpResponse({ status: 202, body: "accepted", headers: { "X-Kind": "object" } })),
  },
  {
    kind: "http",
    name: "empty",
    route: "empty",
    methods: ["POST"],
    handler: () => Promise.resolve({ status: 204 }),
  },
  {
    kind: "http",
    name: "throws",
    route: "throws",
    methods: ["GET"],
    handler: () => Promise.reject(new Error("internal detail")),
  },
];

describe("startLocalHttpServer", () => {
  let server: LocalHttpServer;
  const logged: unknown[] = [];
  beforeAll(async () => {
    server = await startLocalHttpServer({
      port: 0,
      host: "127.0.0.1",
      triggers,
      routePrefix: "api",
      logHandler: (_level, ...args) => logged.push(...args),
      maxBodyBytes: 1024,
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("listens on a free port and reports its URL", () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/api`);
  });

  it("passes decoded route parameters, query, headers and the body to the handler", async () => {
    const response = await fetch(`${server.url}/items/a%20b/parts/7?x=1`, {
      method: "POST",
      headers: { "X-Test": "yes", "Content-Type": "application/json" },
      body: '{"k":1}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({
      label: "child",
      function: "item-child",
      method: "POST",
      params: { id: "a b", part: "7" },
      query: { x: "1" },
      header: "yes",
      body: '{"k":1}',
    });
  });

  it("prefers literal segments to parameters and matches them case-insensitively", async () => {
    const special = (await (await fetch(`${server.url}/Items/Special`)).json()) as { label: string };
    expect(special.label).toBe("item-special");
    const byId = (await (await fetch(`${server.url}/items/42`)).json()) as { label: string; params: unknown };
    expect(byId).toMatchObject({ label: "item-get", params: { id: "42" } });
    const deleted = (await (await fetch(`${server.url}/items/42`, { method: "DELETE" })).json()) as {
      label: string;
    };
    expect(deleted.label).toBe("item-delete");
  });

  it("answers 404 for an unknown route and 405 for a known route with another method", async () => {
    const missing = await fetch(`${server.url}/nothing/here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    const outsidePrefix = await fetch(`http://127.0.0.1:${server.port}/items/42`);
    expect(outsidePrefix.status).toBe(404);
    const wrongMethod = await fetch(`${server.url}/items/42`, { method: "PUT", body: "x" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET, DELETE");
    expect(((await wrongMethod.json()) as { status: number }).status).toBe(405);
  });

  it("writes an HttpResponse, an empty 204 and a 500 for a handler that throws", async () => {
    const object = await fetch(`${server.url}/response`);
    expect(object.status).toBe(202);
    expect(object.headers.get("x-kind")).toBe("object");
    expect(await object.text()).toBe("accepted");
    const empty = await fetch(`${server.url}/empty`, { method: "POST" });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
    const thrown = await fetch(`${server.url}/throws`);
    expect(thrown.status).toBe(500);
    expect(await thrown.text()).not.toContain("internal detail");
    expect(logged.some((entry) => entry instanceof Error && entry.message === "internal detail")).toBe(true);
  });

  it("refuses a body over its limit before the handler runs", async () => {
    const response = await fetch(`${server.url}/items/1/parts/2`, { method: "POST", body: "x".repeat(2048) });
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });
});
