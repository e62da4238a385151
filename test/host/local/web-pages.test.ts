import { request as httpRequest } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalHost, type RunningLocalHost } from "../../../src/host/local/local-host.js";

/** A timer that never fires during the test, so that runs come only from the requests below. */
const NEVER = "0 0 0 1 1 *";

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request with exactly the headers given (Host included), as a browser on another page, or behind a rebound
 * DNS name, would send it; fetch() would set Host and Origin itself.
 */
function rawRequest(
  port: number,
  method: string,
  requestPath: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: "127.0.0.1", port, method, path: requestPath, headers, setHost: !("Host" in headers) },
      (incoming) => {
        let text = "";
        incoming.setEncoding("utf8");
        incoming.on("data", (chunk: string) => (text += chunk));
        incoming.on("end", () =>
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: text }),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

describe("the local host refuses what a web page could send it (CONTRACT 5)", () => {
  let host: RunningLocalHost;
  let folder: string;
  let port: number;
  let scheduleId: string;
  const own = () => `127.0.0.1:${port}`;

  const runCount = async () => {
    const response = await fetch(`${host.apiUrl}/schedules/${scheduleId}/runs`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { value: unknown[] }).value.length;
  };
  const status = async () => {
    const response = await fetch(`${host.apiUrl}/schedules/${scheduleId}`);
    return ((await response.json()) as { status: string }).status;
  };
  const expectProblem = (answer: RawAnswer, code: number) => {
    expect(answer.status, answer.body).toBe(code);
    expect(answer.headers["content-type"]).toBe("application/problem+json");
    expect((JSON.parse(answer.body) as { status: number }).status).toBe(code);
  };

  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), "web-pages-"));
    host = await startLocalHost({
      port: 0,
      persist: false,
      cwd: folder,
      env: { SCHEDULER_TICK: NEVER },
      log: () => undefined,
    });
    port = Number(new URL(host.apiUrl).port);
    const created = await fetch(`${host.apiUrl}/schedules`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        name: "web-target",
        experimentName: "WebPages",
        target: { pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" },
        trigger: { type: "cron", expression: "0 30 2 * * *", timeZone: "UTC" },
      }),
    });
    expect(created.status).toBe(201);
    scheduleId = ((await created.json()) as { id: string }).id;
  }, 60_000);

  afterAll(async () => {
    await host.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it("answers its own loopback names on its port, and 403 to any other Host (DNS rebinding)", async () => {
    for (const name of ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"]) {
      const answer = await rawRequest(port, "GET", "/api/health", { Host: `${name}:${port}` });
      expect(answer.status, `${name}: ${answer.body}`).toBe(200);
    }
    for (const foreign of [
      `attacker.example:${port}`,
      `127.0.0.1:${port + 1}`,
      "127.0.0.1",
      `127.0.0.2:${port}`,
    ]) {
      const answer = await rawRequest(port, "GET", "/api/schedules", { Host: foreign });
      expectProblem(answer, 403);
      expect(answer.body).not.toContain("web-target");
    }

    const rebound = await rawRequest(
      port,
      "POST",
      "/api/schedules",
      { Host: `attacker.example:${port}`, "Content-Type": "application/json" },
      JSON.stringify({
        name: "planted",
        experimentName: "Planted",
        target: { pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" },
        trigger: { type: "cron", expression: "0 30 2 * * *", timeZone: "UTC" },
      }),
    );
    expectProblem(rebound, 403);
    expect((await fetch(`${host.apiUrl}/schedules/planted`)).status).toBe(404);
  });

  it("refuses a request whose Origin is not its own, reads and preflights included", async () => {
    for (const origin of [
      "https://attacker.example",
      "null",
      `http://127.0.0.1:${port + 1}`,
      `https://${own()}`,
    ]) {
      const read = await rawRequest(port, "GET", "/api/schedules", { Host: own(), Origin: origin });
      expectProblem(read, 403);
      expect(read.headers["access-control-allow-origin"]).toBeUndefined();
    }
    const preflight = await rawRequest(port, "OPTIONS", `/api/schedules/${scheduleId}/trigger`, {
      Host: own(),
      Origin: "https://attacker.example",
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "content-type",
    });
    expectProblem(preflight, 403);
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    expect(preflight.headers["access-control-allow-methods"]).toBeUndefined();

    const before = await runCount();
    const trigger = await rawRequest(port, "POST", `/api/schedules/${scheduleId}/trigger`, {
      Host: own(),
      Origin: "https://attacker.example",
      "Content-Type": "application/json",
    });
    expectProblem(trigger, 403);
    expect(await runCount()).toBe(before);

    for (const origin of [`http://${own()}`, `http://localhost:${port}`]) {
      const read = await rawRequest(port, "GET", "/api/schedules", { Host: own(), Origin: origin });
      expect(read.status, read.body).toBe(200);
    }
  });

  it("takes writes only as JSON, so no cross-site simple request can run, disable or delete a schedule", async () => {
    const before = await runCount();
    const simpleRequests: {
      method: string;
      route: string;
      headers: Record<string, string>;
      body?: string;
    }[] = [
      // fetch(url, { method: "POST", mode: "no-cors" }) from a browser that leaves Origin out, or curl.
      { method: "POST", route: "trigger", headers: {} },
      { method: "POST", route: "trigger", headers: { "Content-Type": "text/plain" }, body: "{}" },
      {
        method: "POST",
        route: "trigger",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "",
      },
      {
        method: "POST",
        route: "trigger",
        headers: { "Content-Type": "multipart/form-data; boundary=x" },
        body: "",
      },
      { method: "POST", route: "disable", headers: {} },
      { method: "DELETE", route: "", headers: {} },
      { method: "PATCH", route: "", headers: { "Content-Type": "text/plain" }, body: '{"description":"x"}' },
    ];
    for (const { method, route, headers, body } of simpleRequests) {
      const answer = await rawRequest(
        port,
        method,
        `/api/schedules/${scheduleId}${route ? `/${route}` : ""}`,
        { Host: own(), ...headers },
        body,
      );
      expectProblem(answer, 415);
      expect(answer.body).toContain("application/json");
    }
    expect(await runCount()).toBe(before);
    expect(await status()).toBe("Active");
    expect((await fetch(`${host.apiUrl}/schedules/${scheduleId}`)).status).toBe(200);

    // The sandbox parsed any body as JSON, whatever its Content-Type: a text/plain form could submit to it.
    const sandboxSubmissions = host.sandbox.submissions.length;
    const sandbox = await rawRequest(
      port,
      "POST",
      "/api/sandbox/pipelines/p/submit",
      { Host: own(), "Content-Type": "text/plain" },
      JSON.stringify({ ExperimentName: "FromAPage" }),
    );
    expectProblem(sandbox, 415);
    expect(host.sandbox.submissions.length).toBe(sandboxSubmissions);
  });

  it("still takes a JSON write without a body, and the status page's body-less POST from its own origin", async () => {
    const before = await runCount();
    const curl = await rawRequest(port, "POST", `/api/schedules/${scheduleId}/trigger`, {
      Host: own(),
      "Content-Type": "application/json",
    });
    expect(curl.status, curl.body).toBe(202);
    // What the page's fetch(url, { method: "POST" }) sends: its own Origin, no Content-Type, Content-Length 0.
    const page = await rawRequest(port, "POST", `/api/schedules/${scheduleId}/trigger`, {
      Host: own(),
      Origin: `http://${own()}`,
      "Content-Length": "0",
    });
    expect(page.status, page.body).toBe(202);
    expect(await runCount()).toBe(before + 2);

    const patch = await rawRequest(
      port,
      "PATCH",
      `/api/schedules/${scheduleId}`,
      { Host: own(), "Content-Type": "application/merge-patch+json" },
      JSON.stringify({ description: "patched" }),
    );
    expect(patch.status, patch.body).toBe(200);

    // A body from the page's own origin is still JSON only.
    const pageBody = await rawRequest(
      port,
      "PATCH",
      `/api/schedules/${scheduleId}`,
      { Host: own(), Origin: `http://${own()}`, "Content-Type": "text/plain" },
      JSON.stringify({ description: "from text" }),
    );
    expectProblem(pageBody, 415);
  });
});
