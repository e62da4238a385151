import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { TableClient } from "@azure/data-tables";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { TABLE_NAMES } from "../../../src/host/create-services.js";
import { freePort, isPortOpen } from "../../../src/host/local/embedded-azurite.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../../support/storage.js";

const TSX = path.resolve("node_modules/.bin/tsx");
const MAIN = path.resolve("src/host/local/main.ts");

interface HostProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const started: HostProcess[] = [];

afterEach(async () => {
  for (const host of started.splice(0)) {
    if (host.child.exitCode === null && host.child.signalCode === null) {
      host.child.kill("SIGKILL");
      await host.exited;
    }
  }
});

/** The environment of the test run without any storage setting, so that the host decides for itself. */
function environmentWithoutStorage(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("AzureWebJobsStorage") && name !== "PORT") env[name] = value;
  }
  return { ...env, ...extra };
}

/** `npx tsx src/host/local/main.ts ...`, with tsx from this checkout so that npx never looks anything up. */
function spawnHost(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): HostProcess {
  const child = spawn(TSX, [MAIN, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const host = { child, output: () => output, exited };
  started.push(host);
  return host;
}

async function waitForHealth(host: HostProcess, apiUrl: string, timeoutMs = 45_000): Promise<void> {
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

async function stopWithSignal(host: HostProcess, signal: NodeJS.Signals): Promise<number | null> {
  host.child.kill(signal);
  return host.exited;
}

function azuritePortsIn(output: string): number[] {
  const match = /blob (\d+), queue (\d+), table (\d+)/.exec(output);
  if (match === null) throw new Error(`no Azurite ports in the start-up message:\n${output}`);
  return match.slice(1).map(Number);
}

const temporaryFolders: string[] = [];

async function temporaryFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), "local-host-"));
  temporaryFolders.push(folder);
  return folder;
}

afterAll(async () => {
  await Promise.all(temporaryFolders.map((folder) => rm(folder, { recursive: true, force: true })));
});

const schedule = (name: string) => ({
  name,
  target: { endpointUrl: "http://127.0.0.1:9/sandbox/pipelines/p/submit" },
  experimentName: "LocalHostTest",
  trigger: { type: "cron", expression: "0 30 2 * * *", timeZone: "UTC" },
});

async function createSchedule(apiUrl: string, name: string): Promise<void> {
  const response = await fetch(`${apiUrl}/schedules`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(schedule(name)),
  });
  expect(response.status, await response.clone().text()).toBe(201);
}

describe("the local host (npm start)", () => {
  it("starts an embedded Azurite, serves /api, and on SIGINT stops everything and exits 0", async () => {
    const port = await freePort();
    const apiUrl = `http://127.0.0.1:${port}/api`;
    const host = spawnHost(["--port", String(port)], {
      cwd: await temporaryFolder(),
      env: environmentWithoutStorage(),
    });
    await waitForHealth(host, apiUrl);
    expect(host.output()).toContain(`API:      ${apiUrl}`);
    expect(host.output()).toContain(`OpenAPI:  ${apiUrl}/openapi.json`);
    expect(host.output()).toContain("embedded Azurite in memory");
    const azuritePorts = azuritePortsIn(host.output());
    expect(await Promise.all(azuritePorts.map(isPortOpen))).toEqual([true, true, true]);

    expect(await stopWithSignal(host, "SIGINT")).toBe(0);
    expect(await isPortOpen(port)).toBe(false);
    expect(await Promise.all(azuritePorts.map(isPortOpen))).toEqual([false, false, false]);
  });

  it("uses AzureWebJobsStorage from the environment and starts no Azurite; SIGTERM exits 0", async () => {
    const port = await freePort();
    const apiUrl = `http://127.0.0.1:${port}/api`;
    const host = spawnHost([], {
      cwd: await temporaryFolder(),
      env: environmentWithoutStorage({
        AzureWebJobsStorage: testStorageConnectionString(),
        PORT: String(port),
      }),
    });
    await waitForHealth(host, apiUrl);
    expect(host.output()).toContain("Storage:  AzureWebJobsStorage from environment");
    expect(host.output()).not.toContain("embedded Azurite");

    const name = `${uniqueStoragePrefix()}-env-storage`;
    await createSchedule(apiUrl, name);
    const table = TableClient.fromConnectionString(testStorageConnectionString(), TABLE_NAMES.schedules, {
      allowInsecureConnection: true,
    });
    let found = false;
    for await (const row of table.listEntities()) if (JSON.stringify(row).includes(name)) found = true;
    expect(found).toBe(true);

    expect(await stopWithSignal(host, "SIGTERM")).toBe(0);
  });

  it("with --persist keeps Azurite's data in .azurite/ of the current directory, across restarts", async () => {
    const cwd = await temporaryFolder();
    const port = await freePort();
    const apiUrl = `http://127.0.0.1:${port}/api`;
    const name = "survives-restart";

    const first = spawnHost(["--port", String(port), "--persist"], { cwd, env: environmentWithoutStorage() });
    await waitForHealth(first, apiUrl);
    expect(first.output()).toContain(`embedded Azurite persisted in ${path.join(cwd, ".azurite")}`);
    await createSchedule(apiUrl, name);
    expect(await stopWithSignal(first, "SIGINT")).toBe(0);
    expect(existsSync(path.join(cwd, ".azurite"))).toBe(true);
    expect((await readdir(path.join(cwd, ".azurite"))).length).toBeGreaterThan(0);

    const second = spawnHost(["--port", String(port), "--persist"], {
      cwd,
      env: environmentWithoutStorage(),
    });
    await waitForHealth(second, apiUrl);
    const response = await fetch(`${apiUrl}/schedules/${name}`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { name: string }).name).toBe(name);
    expect(await stopWithSignal(second, "SIGINT")).toBe(0);
  });

  it("exits non-zero naming a malformed setting, without serving anything", async () => {
    const port = await freePort();
    const host = spawnHost(["--port", String(port)], {
      cwd: await temporaryFolder(),
      env: environmentWithoutStorage({ SCHEDULER_TICK: "every minute" }),
    });
    expect(await host.exited).toBe(1);
    expect(host.output()).toMatch(/SCHEDULER_TICK must be a six-field NCRONTAB/);
    expect(host.output()).not.toContain("is running");
  });
});
