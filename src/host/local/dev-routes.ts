import { z } from "zod";
import type { ApiRoute } from "../../api/api-route.js";
import { httpTriggerOf } from "../http-triggers.js";
import { readJsonBody, JSON_CONTENT_TYPE } from "../../api/request-body.js";
import { checkFolderInline } from "../folder-check-wiring.js";
import { toRunResponse, type RunRecord } from "../../runs/run-record.js";
import { parseInput } from "../../schedules/parse-input.js";
import { runSchedulingPass } from "../../scheduling/scheduling-pass.js";
import type { GetServices, Services } from "../../api/services.js";
import { followEveryRunNow } from "../../following/follower.js";
import { STATUS_REFRESH_INTERVAL_MS } from "../../pipeline-runs/pipeline-run-status.js";
import type { PipelineStatusReader } from "../../pipeline-runs/pipeline-status-reading.js";
import { followDependencies, pipelineStatusReader } from "../following-wiring.js";
import type { DevClock } from "./dev-clock.js";
import type { HttpTriggerSpec } from "../trigger-list.js";
import { devBlobRoute } from "./dev-blob-route.js";

const devTickSchema = z.strictObject({
  now: z.iso
    .datetime({ offset: true })
    .optional()
    .meta({ description: "The instant the pass runs as of; default now." }),
});

/**
 * `POST /api/dev/tick` (CONTRACT 5, local host only): one scheduling pass as of `now`, answering the runs it
 * created. It counts as a pass for /health, recorded at the real time it ran. It moves the `devClock` (the
 * sandbox's time) to `now`, and first reads every run still followed, as the follower would have by then, so that
 * the pass decides `policy.overlap` on what the runs are at `now`.
 */
export function devTickRoute(devClock?: DevClock): ApiRoute {
  return {
    name: "dev-tick",
    route: "dev/tick",
    method: "POST",
    summary: "Run one scheduling pass as of `now` (local host only).",
    requestBody: { schema: devTickSchema, mediaTypes: [JSON_CONTENT_TYPE] },
    responses: { 200: { description: "The runs the pass created." } },
    run: async (request, services) => {
      // A bare POST (no body, no Content-Type) is a pass as of now.
      const body = request.headers.has("content-type")
        ? await readJsonBody(request, [JSON_CONTENT_TYPE])
        : {};
      const { now } = parseInput(devTickSchema, body);
      const at = now === undefined ? services.clock() : new Date(now);
      devClock?.moveTo(at);
      await followEveryRunNow(followDependencies(services, afterStatusInterval(services)));
      // Folder checks run inline here, so that the answer lists change-based runs too (CONTRACT 5).
      const checked: RunRecord[] = [];
      // As of `now` only: a pass at another instant than the clock's has nothing to claim ahead for.
      const { lookAheadUntil: _claimsAhead, ...firing } = services.firing;
      const { runs } = await runSchedulingPass(
        // No follow-up sweep: this tick read every followed run just now, and as of a simulated `now` every row
        // would look overdue, sending reads that race the next tick's and answer from the per-run limit.
        {
          ...firing,
          sweepFollowUps: undefined,
          enqueueFolderCheck: checkFolderInline(services, checked),
        },
        at,
      );
      await services.runs.recordTick(services.clock());
      return { status: 200, jsonBody: { runs: [...runs, ...checked].map(toRunResponse) } };
    },
  };
}

export function devTriggers(getServices: GetServices, devClock?: DevClock): HttpTriggerSpec[] {
  return [httpTriggerOf(devTickRoute(devClock), getServices), httpTriggerOf(devBlobRoute(), getServices)];
}

/**
 * The status reads of a tick wait out the per-run interval of the last read (at most 5 s) instead of answering
 * from it: two ticks a second apart move time by hours, and the second must read what the runs are then.
 */
function afterStatusInterval(services: Services): PipelineStatusReader {
  const read = pipelineStatusReader(services);
  return async (run) => {
    const check = await services.statusChecks.get(run.id);
    const waitMs =
      check === undefined
        ? 0
        : Date.parse(check.checkedAt) + STATUS_REFRESH_INTERVAL_MS - services.clock().getTime();
    if (waitMs > 0)
      await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, STATUS_REFRESH_INTERVAL_MS)));
    return read(run);
  };
}
