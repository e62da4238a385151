import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
const DEV_ACCOUNT = "devstoreaccount1";
const DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface EmbeddedAzurite {
  connectionString: string;
  ports: { blob: number; queue: number; table: number };
  /** The Azurite process; it exits by itself when this process dies (azurite-watchdog.ts). */
  pid: number;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** Folder to persist into; in memory when omitted. */
  location?: string;
  /** Fixed ports; free loopback ports are picked when omitted. */
  ports?: { blob: number; queue: number; table: number };
}

/**
 * Starts Azurite from node_modules on loopback, without telemetry, and waits until all three services answer.
 * Azurite runs in a process group of its own, so that Ctrl-C and a closed terminal reach only this process, which
 * stops it in order; and it exits when this process dies, even by kill -9 (azurite-watchdog.ts).
 */
export async function startEmbeddedAzurite(options: AzuriteOptions = {}): Promise<EmbeddedAzurite> {
  if (options.ports !== undefined) return startOnPorts(options, options.ports);
  // A free port may be taken by another process between the pick and Azurite's listen: pick again.
  for (let attempt = 1; ; attempt++) {
    const ports = { blob: await freePort(), queue: await freePort(), table: await freePort() };
    try {
      return await startOnPorts(options, ports);
    } catch (error) {
      if (attempt >= PORT_PICK_ATTEMPTS || !String(error).includes("EADDRINUSE")) throw error;
    }
  }
}

/** How often free ports are picked again when one was taken before Azurite listened on it. */
const PORT_PICK_ATTEMPTS = 3;

async function startOnPorts(
  options: AzuriteOptions,
  ports: { blob: number; queue: number; table: number },
): Promise<EmbeddedAzurite> {
  const require = createRequire(import.meta.url);
  const azuriteMain = path.join(path.dirname(require.resolve("azurite/package.json")), "dist/src/azurite.js");
  const args = [
    ...watchdogImports(require),
    azuriteMain,
    "--silent",
    "--disableTelemetry",
    "--skipApiVersionCheck",
    "--loose",
    "--blobHost",
    "127.0.0.1",
    "--queueHost",
    "127.0.0.1",
    "--tableHost",
    "127.0.0.1",
    "--blobPort",
    String(ports.blob),
    "--queuePort",
    String(ports.queue),
    "--tablePort",
    String(ports.table),
    ...(options.location ? ["--location", options.location] : ["--inMemoryPersistence"]),
  ];
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    detached: true,
    windowsHide: true,
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await Promise.all([ports.blob, ports.queue, ports.table].map((port) => waitForPort(port, child)));
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`Azurite did not start: ${(error as Error).message}${stderr ? `\n${stderr}` : ""}`);
  }
  const host = "http://127.0.0.1";
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
    `BlobEndpoint=${host}:${ports.blob}/${DEV_ACCOUNT};QueueEndpoint=${host}:${ports.queue}/${DEV_ACCOUNT};` +
    `TableEndpoint=${host}:${ports.table}/${DEV_ACCOUNT};`;
  return { connectionString, ports, pid: child.pid ?? 0, stop: () => stopChild(child) };
}

/**
 * `--import` of the watchdog, next to this module: compiled JavaScript under dist/, TypeScript when the host runs
 * from source (tsx, vitest), which Node 20 loads only through tsx's loader.
 */
function watchdogImports(require: NodeJS.Require): string[] {
  const fromSource = fileURLToPath(import.meta.url).endsWith(".ts");
  const watchdog = new URL(`./azurite-watchdog.${fromSource ? "ts" : "js"}`, import.meta.url).href;
  const loader = fromSource ? ["--import", pathToFileURL(require.resolve("tsx/esm")).href] : [];
  return [...loader, "--import", watchdog];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Azurite exited with code ${child.exitCode}`);
    if (await isPortOpen(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`port ${port} did not open within ${timeoutMs} ms`);
}

/** Whether something listens on the loopback port. */
export function isPortOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Closing the IPC channel is the stop signal (azurite-watchdog.ts), the same as this process dying. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.disconnect();
    else child.kill("SIGTERM");
  });
}
