import { afterAll, describe, expect, it } from "vitest";
import { startTrialLocalHost, type TrialLocalHost } from "../../support/trial-local-host.js";

let trial: TrialLocalHost | undefined;

afterAll(async () => {
  await trial?.stop();
});

interface Submission {
  body: { DataPathAssignments?: { input_datapath?: { RelativePath?: string } } };
}

/**
 * CONTRACT 5: the local host's bridge turns uploads into its own workspaceblobstore into Event Grid-shaped messages
 * on BLOB_EVENTS_QUEUE, and PUT /api/dev/blobs/workspaceblobstore/{path} uploads with curl's JSON body.
 */
describe("the local host's blob event bridge and dev upload route", () => {
  it(
    "submits once per new direct child uploaded through the dev route, within seconds, without a pass",
    { timeout: 90_000 },
    async () => {
      trial = await startTrialLocalHost("events-local");
      const { host } = trial;
      const api = host.apiUrl;
      const call = (method: string, route: string, body?: unknown, contentType = "application/json") =>
        fetch(`${api}${route}`, {
          method,
          ...(body === undefined
            ? {}
            : { headers: { "Content-Type": contentType }, body: JSON.stringify(body) }),
        });
      const submissions = async () =>
        ((await (await call("GET", "/sandbox/submissions")).json()) as { value: Submission[] }).value;

      const before = await call("PUT", "/dev/blobs/workspaceblobstore/incoming/old.csv", { content: "old" });
      expect(before.status).toBe(201);
      const created = await call("POST", "/schedules", {
        name: "new-uploads-by-events",
        experimentName: "Uploads",
        target: { pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" },
        trigger: {
          type: "datastore",
          datastoreName: "workspaceblobstore",
          pathOnDatastore: "incoming",
          detection: "events",
          dataPathParameterName: "input_datapath",
        },
      });
      expect(created.status).toBe(201);
      const schedule = (await created.json()) as { id: string; trigger: { reconcileMinutes: number } };
      expect(schedule.trigger.reconcileMinutes).toBe(60);

      for (const name of ["incoming/a.csv", "incoming/b.csv", "incoming/sub/c.csv"]) {
        const uploaded = await call("PUT", `/dev/blobs/workspaceblobstore/${name}`, {
          content: `x,y\n1,${name}`,
        });
        expect(uploaded.status).toBe(201);
        expect(await uploaded.json()).toMatchObject({ datastoreName: "workspaceblobstore", path: name });
      }
      const deadline = Date.now() + 20_000;
      while ((await submissions()).length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      // A few more bridge looks, for any extra submission to show.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const paths = (await submissions())
        .map((s) => s.body.DataPathAssignments?.input_datapath?.RelativePath)
        .sort();
      expect(paths).toEqual(["incoming/a.csv", "incoming/b.csv"]);

      const runs = await call("GET", `/schedules/${schedule.id}/runs`);
      expect(runs.status).toBe(200);
      const items = ((await runs.json()) as { value: { changedBlob: { detectedBy: string } }[] }).value;
      expect(items.map((run) => run.changedBlob.detectedBy)).toEqual(["event", "event"]);
    },
  );

  it("refuses a dev upload with a bad path or body as a 400 naming the field, and writes nothing", async () => {
    expect(trial).toBeDefined();
    const api = trial!.host.apiUrl;
    const put = (route: string, body: unknown) =>
      fetch(`${api}${route}`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    const bad = await put("/dev/blobs/workspaceblobstore/incoming/x.csv", {
      content: "a",
      contentBase64: "YQ==",
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect(JSON.stringify(await bad.json())).toContain("contentBase64");
    const dotted = await put("/dev/blobs/workspaceblobstore/incoming/..%2Fescape.csv", { content: "a" });
    expect(dotted.status).toBe(400);
    expect(JSON.stringify(await dotted.json())).toContain("path");
    const other = await put("/dev/blobs/otherstore/a.csv", { content: "a" });
    expect(other.status).toBe(404);
  });
});
