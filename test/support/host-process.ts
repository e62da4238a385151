import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** `npm start` as a real process (tsx from this checkout, so that npx never looks anything up), for tests that signal or kill it. */

const TSX = path.resolve("node_modules/.bin/tsx");
const MAIN = path.resolve("src/host/local/main.ts");

export interface HostProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const started: HostProcess[] = [];
const temporaryFolders: string[] = [];

/** The environment of the test run without any storage setting, so that the host decides for itself. */
export function environmentWithoutStorage(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("AzureWebJobsStorage") && name !== "PORT") env[name] = value;
  }
  return { ...env, ...extra };
}

export function spawnHost(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): HostProcess {
  const child = spawn(TSX, [MAIN, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    // A process group of its own: killStartedHosts ends tsx and the host under it together.
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const host = { child, output: () => output, exited };
  started.push(host);
  return host;
}

/** For afterEach: kills every host a test left running. */
export async function killStartedHosts(): Promise<void> {
  for (const host of started.splice(0)) {
    if (host.child.exitCode === null && host.child.signalCode === null) {
      process.kill(-(host.child.pid ?? 0), "SIGKILL");
      await host.exited;
    }
  }
}

export async function waitForHealth(host: HostProcess, apiUrl: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (host.child.exitCode !== null) throw new Error(`the host exited early:\n${host.output()}`);
    const status = await fetch(`${apiUrl}/health`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`/health did not answer 200 within ${timeoutMs} ms:\n${host.output()}`);
}

export async function stopWithSignal(host: HostProcess, signal: NodeJS.Signals): Promise<number | null> {
  host.child.kill(signal);
  return host.exited;
}

export function azuritePortsIn(output: string): number[] {
  const match = /blob (\d+), queue (\d+), table (\d+)/.exec(output);
  if (match === null) throw new Error(`no Azurite ports in the start-up message:\n${output}`);
  return match.slice(1).map(Number);
}

export async function temporaryFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), "local-host-"));
  temporaryFolders.push(folder);
  return folder;
}

/** For afterAll. */
export async function removeTemporaryFolders(): Promise<void> {
  await Promise.all(temporaryFolders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
}
