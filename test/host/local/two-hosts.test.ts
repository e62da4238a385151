import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedAzurite, type EmbeddedAzurite } from "../../../src/host/local/embedded-azurite.js";
import { startLocalHost, type RunningLocalHost } from "../../../src/host/local/local-host.js";
import { startScriptedEndpoint, type ScriptedEndpoint } from "../../support/scripted-endpoint.js";

/** A timer that never fires during the test, so that time moves only through /dev/tick. */
const NEVER = "0 0 0 1 1 *";

describe("two local hosts on one storage account", () => {
  let azurite: EmbeddedAzurite;
  let endpoint: ScriptedEndpoint;
  let folder: string;
  const hosts: RunningLocalHost[] = [];

  beforeAll(async () => {
    // A storage account of their own: the hosts use the default table and queue names.
    azurite = await startEmbeddedAzurite();
    endpoint = await startScriptedEndpoint([{ status: 200 }]);
    folder = await mkdtemp(path.join(os.tmpdir(), "two-hosts-"));
    for (let index = 0; index < 2; index++) {
      hosts.push(
        await startLocalHost({
          port: 0,
          persist: false,
          cwd: folder,
          env: { AzureWebJobsStorage: azurite.connectionString, SCHEDULER_TICK: NEVER },
          log: () => undefined,
        }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const host of hosts) await host.stop();
    await endpoint.close();
    await azurite.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it("fire every occurrence once when both run passes at the same instants", async () => {
    const [first, second] = hosts as [RunningLocalHost, RunningLocalHost];
    for (let index = 0; index < 20; index++) {
      const response = await fetch(`${first.apiUrl}/schedules`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          name: `shared-${index}`,
          experimentName: "TwoHosts",
          target: { endpointUrl: `${endpoint.url}/submit/${index}` },
          trigger: {
            type: "recurrence",
            frequency: "Minute",
            interval: 1,
            startTime: "2030-01-01T10:00:00Z",
          },
        }),
      });
      expect(response.status).toBe(201);
    }
    const tick = (host: RunningLocalHost, now: string) =>
      fetch(`${host.apiUrl}/dev/tick`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ now }),
      }).then(async (response) => {
        expect(response.status).toBe(200);
        return ((await response.json()) as { runs: unknown[] }).runs.length;
      });
    let created = 0;
    for (const now of ["2030-01-01T10:00:01Z", "2030-01-01T10:01:01Z", "2030-01-01T10:02:01Z"]) {
      const counts = await Promise.all([
        tick(first, now),
        tick(second, now),
        tick(first, now),
        tick(second, now),
      ]);
      created += counts.reduce((sum, count) => sum + count, 0);
    }
    expect(created).toBe(60);

    const deadline = Date.now() + 30_000;
    while (endpoint.received.length < 60 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Give a duplicate, if there were one, the time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const fired = endpoint.received.map((post) => {
      const tags = (post.body as { Tags: Record<string, string> }).Tags;
      return `${tags.scheduleId}@${tags.scheduledFor}`;
    });
    expect(fired).toHaveLength(60);
    expect(new Set(fired).size).toBe(60);
  }, 90_000);
});
