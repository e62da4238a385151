import { afterAll, describe, expect, it } from "vitest";
import { startTrialLocalHost, type TrialLocalHost } from "../support/trial-local-host.js";
import { notificationSchema } from "../../src/notifications/notification-payload.js";

let trial: TrialLocalHost | undefined;

afterAll(async () => {
  await trial?.stop();
});

describe("notifications on the local host, as a new user tries them (CONTRACT 5, 8)", () => {
  it(
    "sends a failed run's notification to the sandbox receiver once, and shows the run's outcome",
    { timeout: 90_000 },
    async () => {
      trial = await startTrialLocalHost("notify-local");
      const { host } = trial;
      const api = host.apiUrl;
      const call = async (method: string, route: string, body?: unknown) => {
        const response = await fetch(`${api}${route}`, {
          method,
          headers: { "Content-Type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: response.status, json: (await response.json()) as Record<string, unknown> };
      };

      const created = await call("POST", "/schedules", {
        name: "missing-pipeline",
        experimentName: "Retrain",
        // No pipeline answers here: the local host says 404, and the run fails.
        target: { endpointUrl: `${api}/sandbox/no-such-pipeline/submit` },
        trigger: { type: "cron", expression: "0 30 2 * * *" },
        notify: { url: `${api}/sandbox/notifications` },
      });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      const id = String(created.json.id);
      const triggered = await call("POST", `/schedules/${id}/trigger`);
      expect(triggered.status).toBe(202);
      const runId = String(triggered.json.id);

      await expect
        .poll(async () => (await call("GET", `/runs/${runId}`)).json, { timeout: 20_000 })
        .toMatchObject({
          status: "Failed",
          outcome: "Failed",
          httpStatus: 404,
          durationMs: null,
          studioUrl: null,
        });
      await expect.poll(() => host?.notificationSandbox.received.length, { timeout: 20_000 }).toBe(1);
      const [received] = host.notificationSandbox.received;
      expect(received?.credentials).toBe(false);
      expect(notificationSchema.parse(received?.body)).toMatchObject({
        event: "run.failed",
        schedule: { id, name: "missing-pipeline" },
        run: { id: runId, outcome: "Failed" },
      });
      const listed = await call("GET", "/sandbox/notifications");
      expect(listed.json.value).toEqual([received]);

      const history = await call("GET", `/schedules/${id}/runs`);
      expect(history.json.value).toEqual([
        expect.objectContaining({ id: runId, outcome: "Failed", durationMs: null }),
      ]);
      const schedule = await call("GET", `/schedules/${id}`);
      expect(schedule.json.lastRun).toMatchObject({ id: runId, status: "Failed", outcome: "Failed" });
    },
  );
});
