import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** What the endpoint does with one POST. */
export type EndpointBehaviour =
  { status: number; body?: unknown; headers?: Record<string, string> } | { reset: true } | { hangMs: number };

export interface ReceivedPost {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface ScriptedEndpoint {
  url: string;
  received: ReceivedPost[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on loopback standing in for an AML pipeline endpoint: each POST takes the next behaviour
 * of the script (the last one repeats), and every request is recorded.
 */
export async function startScriptedEndpoint(script: EndpointBehaviour[]): Promise<ScriptedEndpoint> {
  const received: ReceivedPost[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      received.push({
        path: request.url ?? "",
        headers: request.headers,
        body: text ? (JSON.parse(text) as unknown) : null,
      });
      const behaviour = script[Math.min(received.length - 1, script.length - 1)] ?? { status: 200 };
      if ("reset" in behaviour) {
        request.socket.destroy();
        return;
      }
      if ("hangMs" in behaviour) {
        setTimeout(() => response.destroy(), behaviour.hangMs).unref();
        return;
      }
      response.writeHead(behaviour.status, { "Content-Type": "application/json", ...behaviour.headers });
      response.end(JSON.stringify(behaviour.body ?? { Id: `run-${received.length}` }));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
