import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** What reached the recorder: every TCP connection, and every HTTP request that got through TLS. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * An HTTPS server on loopback that records everything that reaches it and answers 403: a stand-in for a host
 * an attacker controls, with a valid certificate of its own (the test makes the client accept its
 * self-signed one, see `acceptingAnyCertificate`).
 */
export interface TlsRecorder {
  /** `https://127.0.0.1:<port>`. */
  origin: string;
  port: number;
  connections: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made now with openssl (node:crypto cannot sign X.509). */
export function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const folder = mkdtempSync(path.join(tmpdir(), "tls-recorder-"));
  try {
    const keyFile = path.join(folder, "key.pem");
    const certFile = path.join(folder, "cert.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        keyFile,
        "-out",
        certFile,
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
      ],
      { stdio: "ignore" },
    );
    return { key: readFileSync(keyFile), cert: readFileSync(certFile) };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export async function startTlsRecorder(): Promise<TlsRecorder> {
  const server: Server = createServer(selfSignedCertificate(), (request, response) => {
    recorder.requests.push({
      method: request.method ?? "",
      url: request.url ?? "",
      headers: request.headers,
    });
    response.writeHead(403, { "Content-Type": "application/xml" }).end();
  });
  server.on("connection", () => {
    recorder.connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const recorder: TlsRecorder = {
    origin: `https://127.0.0.1:${port}`,
    port,
    connections: 0,
    requests: [],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return recorder;
}

/**
 * Runs `body` while this process accepts any server certificate, as if the recorder had a certificate a
 * public CA issued (an attacker's host would). Node reads NODE_TLS_REJECT_UNAUTHORIZED at each connection.
 */
export async function acceptingAnyCertificate<T>(body: () => Promise<T>): Promise<T> {
  const before = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
  try {
    return await body();
  } finally {
    if (before === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = before;
  }
}
