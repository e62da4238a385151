import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { loadQueueHostOptions } from "../../src/host/local/queue-runner.js";

/**
 * A run enqueued after an idle spell must not wait for the Functions host's default back-off of one minute
 * (`maxPollingInterval`, Azure Functions "Azure Queue storage trigger and bindings", host.json settings):
 * host.json caps it at 2 s, and the local host's queue runner, which reads the same host.json, polls at least
 * as often.
 */
describe("queue polling", () => {
  it("caps the Functions host's idle back-off at 2 seconds in host.json", async () => {
    const hostJson = JSON.parse(await readFile("host.json", "utf8")) as {
      extensions: { queues: Record<string, unknown> };
    };
    expect(hostJson.extensions.queues.maxPollingInterval).toBe("00:00:02");
  });

  it("makes the local host's queue runner poll an idle queue at least every 2 seconds", async () => {
    const options = await loadQueueHostOptions("host.json");
    expect(options.maxPollingIntervalMs).toBeLessThanOrEqual(2_000);
  });
});
