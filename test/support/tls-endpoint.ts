import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { EndpointAnswer, ReceivedRequest } from "../submit/loopback-endpoint.js";
import { selfSignedCertificate } from "./tls-recorder.js";

/**
 * A token must never go to loopback (CONTRACT 6), so a test that needs to see one uses a TLS server on loopback under
 * a non-loopback name: the code under test addresses `https://<name>/...`, decides by that name whether a token goes
 * with it, and `fetchUnderNames` delivers the request to this server instead (within `acceptingAnyCertificate`,
 * since its certificate is self-signed).
 */
export interface TlsEndpoint {
  /** `https://127.0.0.1:<port>`. */
  origin: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/** Answers each request as `answer` says, after recording it. */
export async function startTlsEndpoint(
  answer: (request: ReceivedRequest) => EndpointAnswer,
): Promise<TlsEndpoint> {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer(selfSignedCertificate(), (request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const recorded = {
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.push(recorded);
      const reply = answer(recorded);
      if (reply === "reset") {
        request.socket.destroy();
        return;
      }
      if (reply === "hang") return;
      response.writeHead(reply.status, {
        "Content-Type": reply.json === undefined ? "text/plain" : "application/json",
        ...reply.headers,
      });
      response.end(reply.json === undefined ? (reply.text ?? "") : JSON.stringify(reply.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A fetch that delivers requests for each named host to its stand-in's origin; any other host is unreachable. */
export function fetchUnderNames(standIns: Record<string, TlsEndpoint>): typeof fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const standIn = standIns[url.host];
    if (standIn === undefined)
      return Promise.reject(new TypeError(`fetch failed: ${url.host} is no test host`));
    return fetch(new URL(`${url.pathname}${url.search}`, standIn.origin), init);
  };
}
