import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localize, runHttpExample, runShellExample } from "./run-example.js";

/** A loopback server that answers each request with what it received, and the status the path asks for. */
let server: Server;
let apiUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      const status = Number(/\/status\/(\d{3})/.exec(request.url ?? "")?.[1] ?? 200);
      response.writeHead(status, { "content-type": "application/json", location: `${apiUrl}/where` });
      response.end(
        JSON.stringify({
          method: request.method,
          url: request.url,
          contentType: request.headers["content-type"] ?? null,
          body,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const environment = () => ({ apiUrl, placeholders: new Map([["run id", "r-1"]]), timeoutMs: 20_000 });

describe("runShellExample", () => {
  it("records each curl answer in order, also from a subshell, with -i, -o and -w as the reader wrote them", async () => {
    const run = await runShellExample(
      [
        "curl -s http://127.0.0.1:7071/api/runs/<run id>",
        "code=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:7071/api/status/202)",
        'test "$code" = 202',
        "curl -si -X POST http://127.0.0.1:7071/api/status/201 -H 'content-type: application/json' -d '{\"a\": 1}'",
      ].join("\n"),
      environment(),
    );
    expect(run.exitCode, run.output).toBe(0);
    expect(run.answers.map((answer) => answer.status)).toEqual([200, 202, 201]);
    expect(JSON.parse(run.answers[0]?.body ?? "")).toMatchObject({ method: "GET", url: "/api/runs/r-1" });
    // What curl printed: with -o /dev/null, only the -w text.
    expect(run.answers[1]?.body).toBe("202");
    expect(JSON.parse(run.answers[2]?.body ?? "")).toEqual({
      method: "POST",
      url: "/api/status/201",
      contentType: "application/json",
      body: '{"a": 1}',
    });
    expect(run.answers[2]?.headers.location).toBe(`${apiUrl}/where`);
  });

  it("fails when a command fails, and runs only this checkout's CLI", async () => {
    expect((await runShellExample("false\necho never", environment())).exitCode).not.toBe(0);
    const npx = await runShellExample("npx some-package", environment());
    expect(npx.exitCode).toBe(127);
    expect(npx.output).toContain("only 'npx aml-schedule' runs here");
    const unreachable = await runShellExample("curl -s http://127.0.0.1:1/api/x", environment());
    expect(unreachable.exitCode).not.toBe(0);
    expect(unreachable.answers.map((answer) => answer.status)).toEqual([0]);
  });
});

describe("runHttpExample", () => {
  it("sends the request line, headers and body to the local host", async () => {
    const run = await runHttpExample(
      [
        "POST /api/status/202?code=<function key> HTTP/1.1",
        "Content-Type: application/json",
        "",
        '{ "ExperimentName": "x",',
        '  "Tags": {} }',
      ].join("\n"),
      environment(),
    );
    expect(run.exitCode, run.output).toBe(0);
    expect(run.answers).toHaveLength(1);
    expect(run.answers[0]?.status).toBe(202);
    expect(JSON.parse(run.answers[0]?.body ?? "")).toEqual({
      method: "POST",
      url: "/api/status/202?code=%3Cfunction%20key%3E",
      contentType: "application/json",
      body: '{ "ExperimentName": "x",\n  "Tags": {} }',
    });
  });

  it("refuses a request to anywhere but the local host", async () => {
    const run = await runHttpExample("POST https://app.azurewebsites.net/api/x\n\n{}", environment());
    expect(run.exitCode).toBe(1);
    expect(run.answers).toEqual([]);
  });
});

describe("localize", () => {
  it("points the documented address at the test host and fills the captures", () => {
    expect(
      localize(
        "npm start &   # the service\ncurl http://127.0.0.1:7071/api/runs/<run id>/wait",
        environment(),
      ),
    ).toBe(`npm start   # the service\ncurl ${apiUrl}/runs/r-1/wait`);
  });
});
