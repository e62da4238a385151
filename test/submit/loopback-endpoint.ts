import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";

/** A real HTTP server on 127.0.0.1 that plays a pipeline endpoint, one scripted answer per request. */

export type EndpointAnswer =
  { status: number; json?: unknown; text?: string; headers?: Record<string, string> } | "reset" | "hang";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface LoopbackEndpoint {
  url: (path?: string) => URL;
  received: ReceivedRequest[];
  close: () => Promise<void>;
}

/** Answers request n with answers[n], and every request after the last with the last answer. */
export async function startLoopbackEndpoint(answers: EndpointAnswer[]): Promise<LoopbackEndpoint> {
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      const answer = answers[Math.min(received.length, answers.length) - 1] ?? { status: 500 };
      if (answer === "reset") {
        request.socket.destroy();
        return;
      }
      if (answer === "hang") return;
      const payload = answer.json === undefined ? (answer.text ?? "") : JSON.stringify(answer.json);
      response.writeHead(answer.status, {
        "Content-Type": answer.json === undefined ? "text/plain" : "application/json",
        ...answer.headers,
      });
      response.end(payload);
    });
  });
  await listen(server);
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = "/submit") => new URL(`http://127.0.0.1:${port}${path}`),
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** A loopback port that nothing listens on: taken from the system, then released. */
export async function closedLoopbackPort(): Promise<number> {
  const server = createServer();
  await listen(server);
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
}

/** A TokenCredential that hands out a fixed token and records the scopes it was asked for. */
export class RecordingCredential implements TokenCredential {
  readonly requestedScopes: (string | string[])[] = [];
  constructor(readonly token: string) {}

  getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    this.requestedScopes.push(scopes);
    return Promise.resolve({ token: this.token, expiresOnTimestamp: Date.UTC(2100, 0, 1) });
  }
}
