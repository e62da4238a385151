import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { TableClient } from "@azure/data-tables";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { TABLE_NAMES } from "../../../src/host/create-services.js";
import { freePort, isPortOpen } from "../../../src/host/local/embedded-azurite.js";
import {
  azuritePortsIn,
  environmentWithoutStorage,
  killStartedHosts,
  removeTemporaryFolders,
  spawnHost,
  stopWithSignal,
  temporaryFolder,
  waitForHealth,
} from "../../support/host-process.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../../support/storage.js";

afterEach(killStartedHosts);
afterAll(removeTemporaryFolders);

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
