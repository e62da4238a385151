import { afterEach, describe, expect, it } from "vitest";
import { startLocalHttpServer, type LocalHttpServer } from "../../../src/host/local/http-server.js";
import { PipelineSandbox, SANDBOX_LIMITS, type SandboxLimits } from "../../../src/host/local/sandbox.js";

interface Page {
  value: { pipelineRunId: string; body: { Description: string } }[];
  nextLink: string | null;
}

const servers: LocalHttpServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** The sandbox's routes on a real loopback server, as the local host serves them. */
async function serveSandbox(limits: Partial<SandboxLimits> = {}) {
  const sandbox = new PipelineSandbox({ clock: () => new Date("2026-11-21T10:00:00Z"), limits });
  const server = await startLocalHttpServer({
    port: 0,
    host: "127.0.0.1",
    triggers: sandbox.triggers(),
    routePrefix: "api",
  });
  servers.push(server);
  const submit = (description: string, padding = "") =>
    fetch(`${server.url}/sandbox/pipelines/p/submit`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ExperimentName: "Limits", Description: description, Padding: padding }),
    });
  const list = async (pathAndQuery = "/api/sandbox/submissions") => {
    const response = await fetch(`http://127.0.0.1:${server.port}${pathAndQuery}`);
    expect(response.status).toBe(200);
    return (await response.json()) as Page;
  };
  const runStatus = (pipelineRunId: string) =>
    fetch(
      `${server.url}/sandbox/pipelines/v1.0/subscriptions/s/resourceGroups/g/providers/` +
        `Microsoft.MachineLearningServices/workspaces/w/PipelineRuns/${pipelineRunId}`,
    );
  return { sandbox, server, submit, list, runStatus };
}

/** A submission body of exactly `size` bytes. */
const bodyOfSize = (size: number) => {
  const empty = JSON.stringify({ ExperimentName: "Limits", Padding: "" });
  return JSON.stringify({ ExperimentName: "Limits", Padding: "x".repeat(size - empty.length) });
};

describe("the sandbox's limits (issue 11.12)", () => {
  it("refuses a body over its limit with a 413 that says the limit, and keeps nothing of it", async () => {
    const { sandbox, server } = await serveSandbox();
    const post = (body: string) =>
      fetch(`${server.url}/sandbox/pipelines/p/submit`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
    const megabyte = await post(bodyOfSize(1024 * 1024));
    expect(megabyte.status).toBe(413);
    expect(await megabyte.json()).toEqual({
      error: {
        message: `The sandbox takes submissions of at most 131072 bytes; this one has ${1024 * 1024}.`,
      },
    });
    expect(sandbox.submissions).toHaveLength(0);

    expect((await post(bodyOfSize(SANDBOX_LIMITS.maxBodyBytes))).status).toBe(200);
    expect((await post(bodyOfSize(SANDBOX_LIMITS.maxBodyBytes + 1))).status).toBe(413);
    expect(sandbox.submissions).toHaveLength(1);
  });

  it("keeps the last N submissions; a dropped run's status is a 404 that says why", async () => {
    const { sandbox, submit, list, runStatus } = await serveSandbox({ maxSubmissions: 3 });
    const ids: string[] = [];
    for (let index = 1; index <= 5; index++) {
      const response = await submit(`run ${index}`);
      expect(response.status).toBe(200);
      ids.push(((await response.json()) as { Id: string }).Id);
    }
    expect(
      sandbox.submissions.map((submission) => (submission.body as { Description: string }).Description),
    ).toEqual(["run 3", "run 4", "run 5"]);
    expect((await list()).value.map((submission) => submission.body.Description)).toEqual([
      "run 3",
      "run 4",
      "run 5",
    ]);
    const dropped = await runStatus(ids[0] ?? "");
    expect(dropped.status).toBe(404);
    expect(JSON.stringify(await dropped.json())).toContain("keeps only its last 3 submissions");
    expect((await runStatus(ids[4] ?? "")).status).toBe(200);
  });

  it("keeps no more than its byte budget of bodies, dropping the oldest", async () => {
    const { sandbox, submit } = await serveSandbox({ maxKeptBytes: 3_500 });
    for (let index = 1; index <= 6; index++)
      expect((await submit(`run ${index}`, "x".repeat(1_000))).status).toBe(200);
    expect(
      sandbox.submissions.map((submission) => (submission.body as { Description: string }).Description),
    ).toEqual(["run 4", "run 5", "run 6"]);
  });

  it("pages the list as the API does: oldest first, top, nextLink until null", async () => {
    const { submit, list } = await serveSandbox();
    for (let index = 1; index <= 7; index++) await submit(`run ${index}`);
    const descriptions: string[] = [];
    const nextLinks: (string | null)[] = [];
    let page = await list("/api/sandbox/submissions?top=3");
    for (;;) {
      descriptions.push(...page.value.map((submission) => submission.body.Description));
      nextLinks.push(page.nextLink);
      if (page.nextLink === null) break;
      page = await list(page.nextLink);
    }
    expect(descriptions).toEqual(["run 1", "run 2", "run 3", "run 4", "run 5", "run 6", "run 7"]);
    expect(nextLinks).toEqual([
      "/api/sandbox/submissions?top=3&continuationToken=3",
      "/api/sandbox/submissions?top=3&continuationToken=6",
      null,
    ]);
    // Exactly one full page: no nextLink to an empty one.
    expect((await list("/api/sandbox/submissions?top=7")).nextLink).toBeNull();
  });

  it("answers 100 by default, and a page whose start was dropped begins at the oldest kept", async () => {
    const { submit, list } = await serveSandbox({ maxSubmissions: 105 });
    for (let index = 1; index <= 103; index++) await submit(`run ${index}`);
    const first = await list();
    expect(first.value).toHaveLength(100);
    expect(first.nextLink).toBe("/api/sandbox/submissions?top=100&continuationToken=100");
    const early = await list("/api/sandbox/submissions?top=2");
    for (let index = 104; index <= 110; index++) await submit(`run ${index}`);
    // runs 1-5 are gone: the page that was to start at run 3 starts at run 6.
    const next = await list(early.nextLink ?? "");
    expect(next.value.map((submission) => submission.body.Description)).toEqual(["run 6", "run 7"]);
  });

  it("answers 400 naming top or continuationToken when they are not valid", async () => {
    const { server } = await serveSandbox();
    for (const [query, field] of [
      ["top=0", "top"],
      ["top=1001", "top"],
      ["continuationToken=abc", "continuationToken"],
    ] as const) {
      const response = await fetch(`${server.url}/sandbox/submissions?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      const problem = (await response.json()) as { errors: { path: string }[] };
      expect(problem.errors.map((issue) => issue.path)).toEqual([field]);
    }
  });
});
