import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { ReceivedRequest } from "../submit/loopback-endpoint.js";
import { selfSignedCertificate } from "./tls-recorder.js";

/**
 * Resource Manager and a batch endpoint as Azure ML v2 answers them (CONTRACT 7; the shapes of Azure/azure-rest-api-specs
 * stable/2024-10-01 examples `Workspace/BatchEndpoint/get.json`, `Workspace/ComponentContainer/get.json`,
 * `Job/PipelineJob/createOrUpdate.json` and `get.json`), on a real server on loopback that records every request.
 * Jobs are kept: a PUT creates one, a GET reads it, an invoke creates one named `batchjob-<uuid>`.
 *
 * A test scripts faults with `fault(match, answer)`: the next request whose `METHOD path` matches gets `answer`
 * instead, or, for `"applyThenReset"`, is handled as usual (the job is created) and then the connection dropped.
 */
export type Fault =
  { status: number; json?: unknown; headers?: Record<string, string> } | "reset" | "applyThenReset";

export interface V2StandIn {
  origin: string;
  received: ReceivedRequest[];
  /** Jobs by name, with the body they were created with and the status reads still to answer. */
  jobs: Map<string, { body: unknown; statuses: string[] }>;
  fault(match: RegExp, answer: Fault): void;
  /** The scoring URI the next lookups of `name` answer (default: this server's `/endpoints/<name>/jobs`). */
  scoringUris: Map<string, string>;
  /** Statuses a job's reads answer in turn (the last repeats); default `["Completed"]`. */
  jobStatuses: string[];
  close(): Promise<void>;
}

const WORKSPACE =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+/;

export async function startV2StandIn(options: { tls?: boolean } = {}): Promise<V2StandIn> {
  const received: ReceivedRequest[] = [];
  const jobs = new Map<string, { body: unknown; statuses: string[] }>();
  const faults: { match: RegExp; answer: Fault }[] = [];
  const scoringUris = new Map<string, string>();
  let origin = "";
  const standIn: V2StandIn = {
    origin: "",
    received,
    jobs,
    scoringUris,
    jobStatuses: ["Completed"],
    fault: (match, answer) => void faults.push({ match, answer }),
    close: () => Promise.resolve(),
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const recorded: ReceivedRequest = {
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.push(recorded);
      const key = `${recorded.method} ${recorded.path}`;
      const faultIndex = faults.findIndex((fault) => fault.match.test(key));
      const fault = faultIndex < 0 ? undefined : faults.splice(faultIndex, 1)[0]?.answer;
      if (fault === "reset") {
        request.socket.destroy();
        return;
      }
      if (fault !== undefined && fault !== "applyThenReset") {
        response.writeHead(fault.status, { "Content-Type": "application/json", ...fault.headers });
        response.end(fault.json === undefined ? "" : JSON.stringify(fault.json));
        return;
      }
      const answer = answerOf(recorded, origin, standIn);
      if (fault === "applyThenReset") {
        request.socket.destroy();
        return;
      }
      response.writeHead(answer.status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(answer.json));
    });
  };
  const server =
    options.tls === true ? createHttpsServer(selfSignedCertificate(), handle) : createHttpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  origin = `${options.tls === true ? "https" : "http"}://127.0.0.1:${port}`;
  standIn.origin = origin;
  standIn.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return standIn;
}

function answerOf(
  request: ReceivedRequest,
  origin: string,
  standIn: V2StandIn,
): { status: number; json: unknown } {
  const url = new URL(request.path, "http://stand-in");
  const workspace = WORKSPACE.exec(url.pathname)?.[0];
  const rest = workspace === undefined ? url.pathname : url.pathname.slice(workspace.length);
  if (workspace !== undefined && url.searchParams.get("api-version") !== "2024-10-01") {
    return { status: 400, json: { error: { code: "InvalidApiVersion", message: "api-version" } } };
  }
  const endpoint = /^\/batchEndpoints\/([^/]+)$/.exec(rest);
  if (workspace !== undefined && endpoint !== null && request.method === "GET") {
    const name = decodeURIComponent(endpoint[1] ?? "");
    return {
      status: 200,
      json: {
        id: `${workspace}/batchEndpoints/${name}`,
        name,
        type: "Microsoft.MachineLearningServices/workspaces/batchEndpoints",
        properties: {
          authMode: "AADToken",
          scoringUri: standIn.scoringUris.get(name) ?? `${origin}/endpoints/${name}/jobs`,
          provisioningState: "Succeeded",
        },
      },
    };
  }
  const component = /^\/components\/([^/]+)$/.exec(rest);
  if (workspace !== undefined && component !== null && request.method === "GET") {
    return { status: 200, json: { name: component[1], properties: { latestVersion: "3" } } };
  }
  const job = /^\/jobs\/([^/]+)$/.exec(rest);
  if (workspace !== undefined && job !== null) {
    const name = decodeURIComponent(job[1] ?? "");
    if (request.method === "PUT") {
      standIn.jobs.set(name, {
        body: JSON.parse(request.body) as unknown,
        statuses: [...standIn.jobStatuses],
      });
      return { status: 201, json: jobAnswer(workspace, name, "NotStarted") };
    }
    const kept = standIn.jobs.get(name);
    if (kept === undefined)
      return { status: 404, json: { error: { code: "UserError", message: "Not found" } } };
    const status = kept.statuses.length > 1 ? (kept.statuses.shift() ?? "") : (kept.statuses[0] ?? "");
    return { status: 200, json: jobAnswer(workspace, name, status) };
  }
  const invoke = /^\/endpoints\/([^/]+)\/jobs$/.exec(url.pathname);
  if (invoke !== null && request.method === "POST") {
    const name = `batchjob-${randomUUID()}`;
    standIn.jobs.set(name, { body: JSON.parse(request.body) as unknown, statuses: [...standIn.jobStatuses] });
    return { status: 200, json: { id: `/jobs/${name}`, name, properties: { status: "Preparing" } } };
  }
  return { status: 404, json: { error: { code: "NotFound", message: `${request.method} ${url.pathname}` } } };
}

function jobAnswer(workspace: string, name: string, status: string) {
  return {
    id: `${workspace}/jobs/${name}`,
    name,
    type: "Microsoft.MachineLearningServices/workspaces/jobs",
    properties: { jobType: "Pipeline", status },
  };
}
