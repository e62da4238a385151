import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { PipelineRunStatus } from "../../src/runs/run-record.js";

/**
 * A real HTTP server on loopback playing an Azure ML workspace's pipelines service (CONTRACT 3, 4): PipelineSubmit
 * answers with a new pipeline run id, and `GET .../PipelineRuns/{id}` walks that run through the statuses planned
 * for it, one per read (the last one repeats), counting the reads.
 */

/** The workspace path of AML_PIPELINES_BASE_URL with the test workspace settings (test/api/api-harness.ts). */
export const WORKSPACE_PATH =
  "/pipelines/v1.0/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/ml-rg/providers/" +
  "Microsoft.MachineLearningServices/workspaces/ml-ws";

const STATUS_CODES: Record<PipelineRunStatus, number> = {
  NotStarted: 0,
  Running: 1,
  Failed: 2,
  Finished: 3,
  Canceled: 4,
};

export interface PlannedRun {
  /** How PipelineSubmit answers: 200 with a new Id by default; a 4xx makes the submission fail. */
  submitStatus?: number;
  /** The status of each read, in turn; the last repeats. */
  statuses: readonly PipelineRunStatus[];
  /** `Status.StatusDetail` of a read that says Failed. */
  failureDetail?: string;
}

export interface PipelineSubmission {
  pipelineRunId: string;
  body: unknown;
}

export interface PipelinesWorkspace {
  /** For AML_PIPELINES_BASE_URL. */
  baseUrl: string;
  /** The plans of the next submissions, in order; a submission beyond them takes `fallback`. */
  plan(...runs: PlannedRun[]): void;
  submissions: PipelineSubmission[];
  /** Status reads of the pipeline run so far. */
  readsOf(pipelineRunId: string): number;
  close(): Promise<void>;
}

export async function startPipelinesWorkspace(
  fallback: PlannedRun = { statuses: ["NotStarted", "Running", "Finished"] },
): Promise<PipelinesWorkspace> {
  const planned: PlannedRun[] = [];
  const submissions: PipelineSubmission[] = [];
  const runs = new Map<string, { plan: PlannedRun; reads: number }>();
  const sockets = new Set<Socket>();
  const answer = (response: http.ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { "Content-Type": "application/json" });
    response.end(JSON.stringify(body));
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
      if (request.method === "POST" && path.startsWith(`${WORKSPACE_PATH}/PipelineRuns/PipelineSubmit/`)) {
        const plan = planned.shift() ?? fallback;
        if (plan.submitStatus !== undefined && plan.submitStatus >= 300) {
          answer(response, plan.submitStatus, { error: { message: "The pipeline was refused" } });
          return;
        }
        const pipelineRunId = `pr-${submissions.length + 1}`;
        submissions.push({
          pipelineRunId,
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown,
        });
        runs.set(pipelineRunId, { plan, reads: 0 });
        answer(response, 200, { Id: pipelineRunId, Status: { StatusCode: 0 } });
        return;
      }
      const run = request.method === "GET" ? runs.get(path.split("/PipelineRuns/")[1] ?? "") : undefined;
      if (run === undefined) {
        answer(response, 404, { error: { message: `No such request: ${request.method} ${path}` } });
        return;
      }
      run.reads += 1;
      const { statuses } = run.plan;
      const status = statuses[Math.min(run.reads, statuses.length) - 1] ?? "Running";
      const detail = status === "Failed" ? (run.plan.failureDetail ?? null) : null;
      answer(response, 200, {
        Id: path.split("/").pop(),
        Status: { StatusCode: STATUS_CODES[status], ...(detail === null ? {} : { StatusDetail: detail }) },
      });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    plan: (...runsToPlan) => void planned.push(...runsToPlan),
    submissions,
    readsOf: (pipelineRunId) => runs.get(pipelineRunId)?.reads ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
