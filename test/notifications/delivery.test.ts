import { afterEach, describe, expect, it } from "vitest";
import { deliverNotification } from "../../src/notifications/delivery-worker.js";
import { notificationSchema } from "../../src/notifications/notification-payload.js";
import type { NotificationQueue } from "../../src/notifications/notification-queue.js";
import type { FollowedRunFields } from "../../src/runs/run-outcome.js";
import type { RunRecord } from "../../src/runs/run-record.js";
import type { ScheduleRecord } from "../../src/schedules/record.js";
import { NO_WORKSPACE } from "../../src/submit/endpoint-url.js";
import { newScheduleRun } from "../../src/submit/new-run.js";
import {
  startScriptedEndpoint,
  type EndpointBehaviour,
  type ScriptedEndpoint,
} from "../support/scripted-endpoint.js";
import {
  createNotificationStack,
  type NotificationStack,
  type NotificationStackOptions,
} from "./notification-harness.js";

/**
 * CONTRACT 8 against real parts: the notification queue and delivery table on the test Azurite, the submission
 * worker, and loopback HTTP servers standing in for the pipeline endpoint and for the receiver (a Logic App).
 */

const CREATED_AT = new Date("2026-11-21T10:00:00.000Z");
const TARGETING = {
  workspace: NO_WORKSPACE,
  endpoints: { allowedHosts: ["*.api.azureml.ms"], allowLoopback: true },
};

const servers: ScriptedEndpoint[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(script: EndpointBehaviour[]): Promise<ScriptedEndpoint> {
  const started = await startScriptedEndpoint(script);
  servers.push(started);
  return started;
}

interface Scenario {
  stack: NotificationStack;
  receiver: ScriptedEndpoint;
  schedule: ScheduleRecord;
}

/** A schedule whose pipeline endpoint answers `endpointScript` and whose notify.url is a loopback receiver. */
async function scenario(
  receiverScript: EndpointBehaviour[],
  options: NotificationStackOptions & { on?: string[]; endpointScript?: EndpointBehaviour[] } = {},
): Promise<Scenario> {
  const stack = await createNotificationStack(options);
  const endpoint = await server(
    options.endpointScript ?? [{ status: 404, body: { error: { message: "No such pipeline" } } }],
  );
  const receiver = await server(receiverScript);
  const schedule = await stack.createSchedule(
    {
      name: "nightly-retrain",
      experimentName: "Retrain",
      target: { endpointUrl: `${endpoint.url}/pipelines/v1.0/PipelineRuns/PipelineSubmit/p1` },
      trigger: { type: "cron", expression: "0 30 2 * * *" },
      notify: {
        url: `${receiver.url}/hook?sig=receiver-signature`,
        ...(options.on ? { on: options.on } : {}),
      },
    },
    CREATED_AT,
  );
  return { stack, receiver, schedule };
}

/** Runs the schedule now and lets the submission worker take it: the endpoint's 404 fails it. */
async function failedManualRun({ stack, schedule }: Scenario): Promise<RunRecord> {
  const created = await stack.runs.create(
    newScheduleRun(schedule, { scheduledFor: null, reason: "manual" }, new Date(), TARGETING),
  );
  if (!created.created) throw new Error("not created");
  await stack.queue.enqueue(created.run.id);
  await stack.drainQueue();
  const run = await stack.runs.get(created.run.id);
  if (run?.status !== "Failed") throw new Error(`expected a Failed run, got ${JSON.stringify(run)}`);
  return run;
}

describe("notifications of run ends", () => {
  it("reach the receiver once per event: the run as it ended, without request, and no token or key", async () => {
    const s = await scenario([{ status: 202 }]);
    const run = await failedManualRun(s);
    expect(await s.stack.drainNotifications()).toBe(1);
    expect(s.receiver.received).toHaveLength(1);
    const [post] = s.receiver.received;
    expect(post?.path).toBe("/hook?sig=receiver-signature");
    expect(post?.headers["content-type"]).toBe("application/json");
    for (const header of ["authorization", "x-functions-key", "cookie"])
      expect(post?.headers[header]).toBeUndefined();
    const notification = notificationSchema.parse(post?.body);
    expect(notification).toMatchObject({
      event: "run.failed",
      schedule: { id: s.schedule.id, name: "nightly-retrain" },
      run: {
        id: run.id,
        status: "Failed",
        outcome: "Failed",
        reason: "manual",
        httpStatus: 404,
        error: "No such pipeline",
      },
    });
    expect(Object.keys(post?.body as { run: object } & object)).toEqual(["event", "at", "schedule", "run"]);
    expect(Object.keys((post?.body as { run: object }).run)).not.toContain("request");
    expect(Object.keys((post?.body as { run: object }).run)).not.toContain("endpointUrl");

    // The same event again, as a queue that delivers twice or a second part of the service reporting it would.
    await s.stack.hooks.onRunEnded(s.schedule, run);
    await s.stack.hooks.onRunEnded(s.schedule, run);
    expect(await s.stack.drainNotifications()).toBe(2);
    expect(s.receiver.received).toHaveLength(1);
    expect(await s.stack.deliveries.getOrCreate(s.schedule.id, `${run.id}:run.failed`)).toMatchObject({
      status: "Delivered",
      attempts: 1,
      httpStatus: 202,
    });
  });

  it("POST one event once when its messages are handled at the same moment", async () => {
    const s = await scenario([{ status: 200 }]);
    const run = await failedManualRun(s);
    for (let copy = 0; copy < 4; copy++) await s.stack.hooks.onRunEnded(s.schedule, run);
    expect(await s.stack.drainNotifications()).toBe(5);
    expect(s.receiver.received).toHaveLength(1);
  });

  it("are retried after a 503, honouring Retry-After, and stop at the first 2xx", async () => {
    const s = await scenario([
      { status: 503, headers: { "Retry-After": "7" } },
      { status: 503 },
      { status: 200 },
      { status: 200 },
    ]);
    await failedManualRun(s);
    await s.stack.drainNotifications();
    expect(s.receiver.received).toHaveLength(3);
    expect(s.stack.retryAfters).toEqual([7_000, null]);
    const bodies = s.receiver.received.map((post) => JSON.stringify(post.body));
    expect(new Set(bodies).size).toBe(1);
    expect(s.stack.logs.filter((line) => line.includes("retrying in"))).toHaveLength(2);
    expect(s.stack.logs.some((line) => line.includes("Delivered after 3 attempt(s)"))).toBe(true);
  });

  it("are retried after a connection reset, and given up after the last attempt", async () => {
    const s = await scenario([{ reset: true }, { status: 500 }], { maxAttempts: 3 });
    const run = await failedManualRun(s);
    await s.stack.drainNotifications();
    expect(s.receiver.received).toHaveLength(3);
    const delivery = await s.stack.deliveries.getOrCreate(s.schedule.id, `${run.id}:run.failed`);
    expect(delivery).toMatchObject({ status: "Failed", attempts: 3, httpStatus: 500 });
    expect(delivery.error).toMatch(/^Gave up after 3 attempts: 127\.0\.0\.1:\d+ answered 500/);
  });

  it("are not retried after another 4xx, and never follow a redirect", async () => {
    const elsewhere = await server([{ status: 200 }]);
    const refused = await scenario([{ status: 400, body: { error: "bad schema" } }]);
    await failedManualRun(refused);
    await refused.stack.drainNotifications();
    expect(refused.receiver.received).toHaveLength(1);

    const redirected = await scenario([{ status: 307, headers: { Location: `${elsewhere.url}/stolen` } }]);
    const run = await failedManualRun(redirected);
    await redirected.stack.drainNotifications();
    expect(redirected.receiver.received).toHaveLength(1);
    expect(elsewhere.received).toHaveLength(0);
    const delivery = await redirected.stack.deliveries.getOrCreate(
      redirected.schedule.id,
      `${run.id}:run.failed`,
    );
    expect(delivery).toMatchObject({ status: "Failed", attempts: 1, httpStatus: 307 });
    expect(delivery.error).toContain("not redirected");
  });

  it("never go to a host outside ALLOWED_NOTIFY_HOSTS, even when the schedule names one that was allowed", async () => {
    // The Azure app: loopback is no receiver, and the list no longer has the schedule's host.
    const s = await scenario([{ status: 200 }], {
      allowLoopback: false,
      allowedHosts: ["hooks.example.com"],
    });
    const run = await failedManualRun(s);
    expect(await s.stack.drainNotifications()).toBe(1);
    expect(s.receiver.received).toHaveLength(0);
    const delivery = await s.stack.deliveries.getOrCreate(s.schedule.id, `${run.id}:run.failed`);
    expect(delivery).toMatchObject({ status: "Failed", attempts: 0, httpStatus: null });
    expect(delivery.error).toContain("must be an https URL");
    expect(delivery.error).not.toContain("receiver-signature");

    // A host the list does not have is refused before any request is made.
    const posts: string[] = [];
    const refused = await deliverNotification(
      {
        ...s.stack.delivery,
        post: (url) => {
          posts.push(url.host);
          return Promise.resolve({ kind: "delivered", httpStatus: 200 });
        },
      },
      {
        eventId: `${run.id}:run.canceled`,
        scheduleId: s.schedule.id,
        url: "https://hooks.example.com.evil.example/x",
        notification: {},
      },
    );
    expect(posts).toEqual([]);
    expect(refused?.error).toContain(
      "host hooks.example.com.evil.example is not allowed; ALLOWED_NOTIFY_HOSTS is hooks.example.com",
    );
  });

  it("are sent only for the events notify.on lists", async () => {
    const s = await scenario([{ status: 200 }], { on: ["Canceled", "Skipped", "Paused"] });
    const failed = await failedManualRun(s);
    expect(await s.stack.peekNotifications()).toEqual([]);

    // The follower (items 1-3 of issue 13) records these; until it does, the hooks read them off any run.
    const followed = (fields: Record<string, unknown>): RunRecord => ({ ...failed, ...fields });
    const canceled = followed({
      status: "Submitted",
      pipelineStatus: "Canceled",
      pipelineRunId: "aml-1",
    } satisfies FollowedRunFields & { status: string; pipelineRunId: string });
    const skipped = followed({ status: "Skipped", error: `Skipped: run ${failed.id} is unfinished` });
    const finished = followed({ status: "Submitted", pipelineStatus: "Finished" });
    const running = followed({ status: "Submitted", pipelineStatus: "Running" });
    for (const run of [canceled, skipped, finished, running]) await s.stack.hooks.onRunEnded(s.schedule, run);
    await s.stack.hooks.onSchedulePaused(s.schedule, failed);
    expect((await s.stack.peekNotifications()).map((message) => message.eventId)).toEqual([
      `${failed.id}:run.canceled`,
      `${failed.id}:run.skipped`,
      `${failed.id}:schedule.paused`,
    ]);
    await s.stack.drainNotifications();
    // Parsed loosely: run status Skipped joins RunStatus with the follower.
    const received = s.receiver.received.map(
      (post) => post.body as { event: string; run: { outcome: string } },
    );
    // The worker delivers queued messages concurrently, so they may arrive in any order.
    const pairs = received.map((notification) => [notification.event, notification.run.outcome]);
    expect(pairs.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ["run.canceled", "Canceled"],
      ["run.skipped", "Skipped"],
      ["schedule.paused", "Failed"],
    ]);
  });

  it("never fail or hold up the run when they cannot be queued", async () => {
    const brokenQueue: NotificationQueue = { enqueue: () => Promise.reject(new Error("queue unreachable")) };
    const s = await scenario([{ status: 200 }], { hookQueue: brokenQueue });
    const run = await failedManualRun(s);
    expect(run).toMatchObject({ status: "Failed", httpStatus: 404, attempts: 1 });
    expect(await s.stack.runs.listUnsettled(new Date("2030-01-01T00:00:00Z"), 10)).toEqual([]);
    expect(s.stack.logs).toContainEqual(
      expect.stringContaining(
        `notification ${run.id}:run.failed of schedule ${s.schedule.id} could not be queued`,
      ),
    );
    expect(s.receiver.received).toHaveLength(0);
  });

  it("are not sent for runs that ended well, nor for schedules without notify", async () => {
    const s = await scenario([{ status: 200 }], {
      endpointScript: [{ status: 200, body: { Id: "aml-run-1" } }, { status: 404 }],
    });
    const created = await s.stack.runs.create(
      newScheduleRun(s.schedule, { scheduledFor: null, reason: "manual" }, new Date(), TARGETING),
    );
    if (!created.created) throw new Error("not created");
    await s.stack.queue.enqueue(created.run.id);
    await s.stack.drainQueue();
    expect((await s.stack.runs.get(created.run.id))?.status).toBe("Submitted");
    expect(await s.stack.peekNotifications()).toEqual([]);

    const { notify: _notify, ...withoutNotify } = s.schedule.definition;
    const failed = await failedManualRun(s);
    await s.stack.hooks.onRunEnded({ ...s.schedule, definition: withoutNotify }, failed);
    await s.stack.hooks.onSchedulePaused({ ...s.schedule, definition: withoutNotify }, failed);
    expect((await s.stack.peekNotifications()).map((message) => message.eventId)).toEqual([
      `${failed.id}:run.failed`,
    ]);
  });
});
