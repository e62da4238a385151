import { describe, expect, it } from "vitest";
import { newPendingRun, type RunRecord } from "../../src/runs/run-record.js";
import { timingOnCreate } from "../../src/schedules/lifecycle.js";
import type { ScheduleRecord } from "../../src/schedules/record.js";
import { scheduleDefinitionSchema } from "../../src/schedules/schema.js";
import {
  decideBeforeFirstPost,
  FIRST_POST_DECISIONS,
  POST,
  type FirstPostDecision,
} from "../../src/submit/first-post-decisions.js";

const ID = "0123456789abcdef0123456789abcdef";

function schedule(
  trigger: Record<string, unknown>,
  activatedAt: string,
  changes: { status?: "Active" | "Disabled"; updatedAt?: string } = {},
): ScheduleRecord {
  const definition = scheduleDefinitionSchema.parse({
    name: "decided",
    experimentName: "Exp",
    target: { endpointUrl: "https://westeurope.api.azureml.ms/submit" },
    trigger,
    status: changes.status ?? "Active",
  });
  return {
    id: ID,
    definition,
    createdAt: "2026-11-21T09:00:00.000Z",
    updatedAt: changes.updatedAt ?? activatedAt,
    ...timingOnCreate(definition, new Date(activatedAt)),
    etag: "W/1",
  };
}

function run(fields: Partial<RunRecord> = {}): RunRecord {
  return {
    ...newPendingRun({
      id: `${ID}-82047447999995b9bab25`,
      scheduleId: ID,
      scheduleName: "decided",
      reason: "recurrence",
      scheduledFor: "2026-11-21T10:00:40.000Z",
      createdAt: "2026-11-21T10:00:00.200Z",
      request: {},
      endpointUrl: "https://westeurope.api.azureml.ms/submit",
    }),
    etag: "W/run",
    ...fields,
  };
}

/** The decisions over one stored schedule (or none), counting how often it is read. */
function decide(stored: ScheduleRecord | undefined, subject: RunRecord, decisions = FIRST_POST_DECISIONS) {
  const reads = { count: 0 };
  const verdict = decideBeforeFirstPost(
    {
      schedules: {
        get: () => {
          reads.count++;
          return Promise.resolve(stored);
        },
      },
      decisions,
    },
    subject,
    new Date("2026-11-21T10:00:36.200Z"),
  );
  return { verdict, reads };
}

const cron40 = { type: "cron", expression: "40 * * * * *" };

describe("the schedule still wants the occurrence", () => {
  it("lets the POST go when nothing was activated since the claim, without computing occurrences", async () => {
    const { verdict, reads } = decide(schedule(cron40, "2026-11-21T09:59:45.000Z"), run());
    expect(await verdict).toEqual(POST);
    expect(reads.count).toBe(1);
  });

  it("skips, saying so, when the schedule is Disabled or gone", async () => {
    const disabled = schedule(cron40, "2026-11-21T09:59:45.000Z", {
      status: "Disabled",
      updatedAt: "2026-11-21T10:00:10.000Z",
    });
    expect(await decide(disabled, run()).verdict).toEqual({
      kind: "skip",
      reason:
        "Not submitted: the schedule was disabled (at 2026-11-21T10:00:10.000Z) before the occurrence at 2026-11-21T10:00:40.000Z.",
      decision: "still wanted",
    });
    expect(await decide(undefined, run()).verdict).toMatchObject({
      kind: "skip",
      reason: "Not submitted: the schedule was deleted before the occurrence at 2026-11-21T10:00:40.000Z.",
    });
  });

  it("skips an occurrence the changed trigger no longer has, and posts one it still has", async () => {
    const changedAway = schedule({ type: "cron", expression: "50 * * * * *" }, "2026-11-21T10:00:10.000Z");
    expect(await decide(changedAway, run()).verdict).toMatchObject({
      kind: "skip",
      reason:
        "Not submitted: the schedule's trigger changed (at 2026-11-21T10:00:10.000Z) and no longer fires at 2026-11-21T10:00:40.000Z.",
    });
    const stillThere = schedule({ type: "cron", expression: "40 */2 * * * *" }, "2026-11-21T10:00:10.000Z");
    expect(await decide(stillThere, run()).verdict).toEqual(POST);
    const toChangeBased = schedule(
      { type: "datastore", datastoreName: "workspaceblobstore", pathOnDatastore: "in" },
      "2026-11-21T10:00:10.000Z",
    );
    expect(await decide(toChangeBased, run()).verdict).toMatchObject({ kind: "skip" });
  });

  it("computes the occurrences for an activation in the claim's own second, which may follow the claim", async () => {
    // Re-enabled at 10:00:00.700, after a claim at 10:00:00.200: activatedAt is 10:00:00, the same second.
    const sameSecond = schedule({ type: "cron", expression: "50 * * * * *" }, "2026-11-21T10:00:00.000Z");
    expect(await decide(sameSecond, run()).verdict).toMatchObject({ kind: "skip" });
    // The immediate run of a simple recurrence is its occurrence k = 0, at the activation instant itself.
    const immediate = schedule(
      { type: "recurrence", frequency: "Hour", interval: 1 },
      "2026-11-21T10:00:00.000Z",
    );
    expect(
      await decide(
        immediate,
        run({ scheduledFor: "2026-11-21T10:00:00.000Z", createdAt: "2026-11-21T10:00:00.400Z" }),
      ).verdict,
    ).toEqual(POST);
  });

  it("re-enabling counts from its own instant: an occurrence before it is not wanted", async () => {
    const reEnabled = schedule(cron40, "2026-11-21T10:00:45.000Z");
    expect(await decide(reEnabled, run()).verdict).toMatchObject({ kind: "skip" });
  });
});

describe("decideBeforeFirstPost", () => {
  it("never holds back a manual or API run, nor a retry, and reads no schedule for them", async () => {
    const disabled = schedule(cron40, "2026-11-21T09:59:45.000Z", { status: "Disabled" });
    for (const subject of [
      run({ reason: "manual", scheduledFor: null }),
      run({ reason: "api", scheduleId: null, scheduledFor: null }),
      run({ attempts: 1 }),
    ]) {
      const { verdict, reads } = decide(disabled, subject);
      expect(await verdict).toEqual(POST);
      expect(reads.count).toBe(0);
    }
  });

  it("takes the decisions in order, reads the schedule once, and stops at the first that holds the run back", async () => {
    const seen: string[] = [];
    const looking = (name: string, verdict: "post" | "skip"): FirstPostDecision => ({
      name,
      async decide({ schedule: read }) {
        await read();
        seen.push(name);
        return verdict === "post" ? POST : { kind: "skip", reason: `${name} said no` };
      },
    });
    const { verdict, reads } = decide(schedule(cron40, "2026-11-21T09:59:45.000Z"), run(), [
      looking("first", "post"),
      looking("second", "skip"),
      looking("third", "skip"),
    ]);
    expect(await verdict).toEqual({ kind: "skip", reason: "second said no", decision: "second" });
    expect(seen).toEqual(["first", "second"]);
    expect(reads.count).toBe(1);
    // A change-based run goes through the list too (a decision may hold it back); "still wanted" lets it go.
    const changeBased = run({ reason: "datastore", scheduledFor: null });
    const { verdict: datastoreVerdict, reads: datastoreReads } = decide(undefined, changeBased);
    expect(await datastoreVerdict).toEqual(POST);
    expect(datastoreReads.count).toBe(0);
  });
});
