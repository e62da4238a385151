import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiUnderTest, type ApiUnderTest } from "./api-harness.js";
import { jsonOf } from "./loopback-workspace.js";

/**
 * RFC 7396 section 2: a `null` member of a merge patch removes the target's member. An optional field is absent
 * afterwards (not `""`, not `false`); a field with a documented default takes that default again, as a schedule
 * created without it would; `status`, whose default would enable a Disabled schedule, cannot be removed.
 */

const T0 = "2026-11-21T10:00:00.000Z";
const ENDPOINT_ID = "bbbbbbbb-cccc-dddd-eeee-ffffffffffff";
const MERGE_PATCH = { "Content-Type": "application/merge-patch+json" };

describe("PATCH with null members", () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApiUnderTest(T0);
  });
  afterAll(async () => {
    await api.close();
  });

  let counter = 0;
  async function create(extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    counter += 1;
    const created = await api.call("POST", "/schedules", {
      body: {
        name: `patch-null-${counter}`,
        description: "Retrain every night",
        target: { pipelineEndpointId: ENDPOINT_ID, pipelineVersion: "2" },
        experimentName: "Nightly",
        parameterAssignments: { pipeline_arg: 20 },
        continueOnStepFailure: true,
        dataSetDefinitionValueAssignments: { ds: { SavedDataSetReference: { Id: "d-1" } } },
        policy: { catchUp: "all", maxCatchUpRuns: 3 },
        trigger: { type: "cron", expression: "0 30 2 * * *", endTime: "2027-01-01T00:00:00Z" },
        ...extra,
      },
    });
    expect(created.status).toBe(201);
    return jsonOf(created);
  }

  async function patch(id: unknown, body: unknown): Promise<Response> {
    return api.call("PATCH", `/schedules/${String(id)}`, { body, headers: MERGE_PATCH });
  }

  it("removes every optional field it names: absent afterwards, and so stored", async () => {
    const schedule = await create();
    const patched = await patch(schedule.id, {
      description: null,
      continueOnStepFailure: null,
      dataSetDefinitionValueAssignments: null,
      target: { pipelineVersion: null },
      policy: { maxCatchUpRuns: null },
      trigger: { endTime: null },
    });
    expect(patched.status).toBe(200);
    for (const answer of [
      await jsonOf(patched),
      await jsonOf(await api.call("GET", `/schedules/${String(schedule.id)}`)),
    ]) {
      expect(answer).not.toHaveProperty("description");
      expect(answer).not.toHaveProperty("continueOnStepFailure");
      expect(answer).not.toHaveProperty("dataSetDefinitionValueAssignments");
      expect(answer.target).toEqual({ pipelineEndpointId: ENDPOINT_ID });
      expect(answer.policy).toEqual({ catchUp: "all", overlap: "allow" });
      expect(answer.trigger).toEqual({ type: "cron", expression: "0 30 2 * * *" });
      expect(answer.parameterAssignments).toEqual({ pipeline_arg: 20 });
    }
  });

  it("removes the description alone and leaves everything else", async () => {
    const schedule = await create();
    const patched = await jsonOf(await patch(schedule.id, { description: null }));
    const { description: _removed, etag: _etag, updatedAt: _updatedAt, ...rest } = schedule;
    expect(patched).not.toHaveProperty("description");
    expect(patched).toMatchObject(rest);
  });

  it("gives a schedule created without a description none (not an empty one)", async () => {
    const schedule = await create({ description: undefined });
    expect(schedule).not.toHaveProperty("description");
  });

  it("brings fields with a documented default back to it", async () => {
    const schedule = await create();
    const patched = await jsonOf(await patch(schedule.id, { parameterAssignments: null, policy: null }));
    expect(patched.parameterAssignments).toEqual({});
    expect(patched.policy).toEqual({ catchUp: "latest", overlap: "allow" });
  });

  it("refuses to remove status, which would enable a Disabled schedule, and changes nothing", async () => {
    const schedule = await create({ status: "Disabled" });
    const refused = await patch(schedule.id, { status: null, description: "changed" });
    expect(refused.status).toBe(400);
    expect((await jsonOf(refused)).errors).toEqual([
      { path: "status", message: 'cannot be removed: set "Active" or "Disabled"' },
    ]);
    expect(await jsonOf(await api.call("GET", `/schedules/${String(schedule.id)}`))).toEqual(schedule);
  });
});
