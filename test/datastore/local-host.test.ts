import { BlobServiceClient } from "@azure/storage-blob";
import { afterAll, describe, expect, it } from "vitest";
import { startTrialLocalHost, type TrialLocalHost } from "../support/trial-local-host.js";
import type { AmlSubmitBody } from "../../src/submit/request-body.js";

let trial: TrialLocalHost | undefined;

afterAll(async () => {
  await trial?.stop();
});

describe("change-based schedules on the local host (CONTRACT 5)", () => {
  it(
    "registers workspaceblobstore on its Azurite and fires once per new file of the watched folder",
    { timeout: 90_000 },
    async () => {
      trial = await startTrialLocalHost("datastore-local");
      const { host } = trial;
      const api = host.apiUrl;
      const call = (method: string, route: string, body?: unknown) =>
        fetch(`${api}${route}`, {
          method,
          ...(body === undefined
            ? {}
            : { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }),
        });

      const registered = await call("GET", "/datastores/workspaceblobstore");
      expect(registered.status).toBe(200);
      expect(await registered.json()).toMatchObject({
        name: "workspaceblobstore",
        connectionStringSetting: "AzureWebJobsStorage",
        containerName: "workspaceblobstore",
      });

      const storage = host.settings.AzureWebJobsStorage ?? "";
      const container =
        BlobServiceClient.fromConnectionString(storage).getContainerClient("workspaceblobstore");
      // Uploaded at the start of a second and the schedule created right after, in that second: the upload is
      // the baseline all the same (CONTRACT 2.3), on the local host's wiring and its /dev/tick check.
      await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
      await container.getBlockBlobClient("incoming/first.csv").upload("1", 1);

      const created = await call("POST", "/schedules", {
        name: "new-uploads",
        experimentName: "Uploads",
        target: { pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" },
        trigger: {
          type: "datastore",
          datastoreName: "workspaceblobstore",
          pathOnDatastore: "incoming",
          pollingIntervalMinutes: 1,
          dataPathParameterName: "input_datapath",
        },
      });
      expect(created.status).toBe(201);
      for (const name of ["incoming/second.csv", "incoming/third.csv", "incoming/sub/nested.csv"]) {
        await container.getBlockBlobClient(name).upload("2", 1);
      }

      const tick = await call("POST", "/dev/tick", { now: new Date(Date.now() + 2 * 60_000).toISOString() });
      expect(tick.status).toBe(200);
      // The pass's answer lists the change-based runs it created (CONTRACT 5).
      const { runs } = (await tick.json()) as { runs: { reason: string; changedBlob: { path: string } }[] };
      expect(runs.map((run) => [run.reason, run.changedBlob.path]).sort()).toEqual([
        ["datastore", "incoming/second.csv"],
        ["datastore", "incoming/third.csv"],
      ]);

      const sandbox = host.sandbox;
      const deadline = Date.now() + 30_000;
      while (sandbox.submissions.length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      // Anything more would arrive within a few queue polls.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const relativePaths = sandbox.submissions
        .map(
          (submission) => (submission.body as AmlSubmitBody).DataPathAssignments.input_datapath?.RelativePath,
        )
        .sort();
      expect(relativePaths).toEqual(["incoming/second.csv", "incoming/third.csv"]);
    },
  );
});
