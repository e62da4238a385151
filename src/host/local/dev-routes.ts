import { z } from "zod";
import type { ApiRoute } from "../../api/api-route.js";
import { httpTriggerOf } from "../http-triggers.js";
import { readJsonBody, JSON_CONTENT_TYPE } from "../../api/request-body.js";
import { checkFolderInline } from "../folder-check-wiring.js";
import { toRunResponse, type RunRecord } from "../../runs/run-record.js";
import { parseInput } from "../../schedules/parse-input.js";
import { runSchedulingPass } from "../../scheduling/scheduling-pass.js";
import type { GetServices } from "../../api/services.js";
import type { HttpTriggerSpec } from "../trigger-list.js";
import { devUploadRoute } from "./dev-upload-route.js";

const devTickSchema = z.strictObject({
  now: z.iso
    .datetime({ offset: true })
    .optional()
    .meta({ description: "The instant the pass runs as of; default now." }),
});

/**
 * `POST /api/dev/tick` (CONTRACT 5, local host only): one scheduling pass as of `now`, answering the runs it
 * created. It counts as a pass for /health, recorded at the real time it ran.
 */
export function devTickRoute(): ApiRoute {
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
      // Folder checks run inline here, so that the answer lists change-based runs too (CONTRACT 5).
      const checked: RunRecord[] = [];
      const { runs } = await runSchedulingPass(
        { ...services.firing, enqueueFolderCheck: checkFolderInline(services, checked) },
        now === undefined ? services.clock() : new Date(now),
      );
      await services.runs.recordTick(services.clock());
      return { status: 200, jsonBody: { runs: [...runs, ...checked].map(toRunResponse) } };
    },
  };
}

export function devTriggers(getServices: GetServices): HttpTriggerSpec[] {
  return [httpTriggerOf(devTickRoute(), getServices), httpTriggerOf(devUploadRoute(), getServices)];
}
