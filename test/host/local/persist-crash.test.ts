import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { freePort, isPortOpen } from "../../../src/host/local/embedded-azurite.js";
import { LOCK_FILE_NAME } from "../../../src/host/local/folder-lock.js";
import {
  azuritePortsIn,
  environmentWithoutStorage,
  killStartedHosts,
  removeTemporaryFolders,
  spawnHost,
  stopWithSignal,
  temporaryFolder,
  waitForHealth,
  type HostProcess,
} from "../../support/host-process.js";

/** How soon the embedded Azurite must be gone after its host was killed. */
const ORPHAN_BOUND_MS = 10_000;

const leftovers: number[] = [];

afterEach(async () => {
  // Whatever a failed run left behind: a real orphan would hold .azurite/ and its ports.
  for (const pid of leftovers.splice(0)) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  await killStartedHosts();
});
afterAll(removeTemporaryFolders);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The processes that write .azurite/: the host (the Node process under tsx), then its Azurite. */
async function lockedPids(cwd: string): Promise<number[]> {
  return (
    JSON.parse(await readFile(path.join(cwd, ".azurite", LOCK_FILE_NAME), "utf8")) as { pids: number[] }
  ).pids;
}

async function exitWithin(host: HostProcess, timeoutMs: number): Promise<number | null | "still running"> {
  return Promise.race([
    host.exited,
    new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), timeoutMs)),
  ]);
}

const definition = (name: string) =>
  JSON.stringify({
    name,
    target: { pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" },
    experimentName: "CrashTest",
    trigger: { type: "cron", expression: "0 30 2 * * *", timeZone: "UTC" },
  });

describe("npm start -- --persist when the host crashes", () => {
  it("kill -9 of the host ends its Azurite, which saves first: a restart keeps what was answered 201", async () => {
    const cwd = await temporaryFolder();
    const port = await freePort();
    const apiUrl = `http://127.0.0.1:${port}/api`;
    const first = spawnHost(["--port", String(port), "--persist"], { cwd, env: environmentWithoutStorage() });
    await waitForHealth(first, apiUrl);
    const azuritePorts = azuritePortsIn(first.output());
    const [hostPid = 0, azuritePid = 0] = await lockedPids(cwd);
    leftovers.push(hostPid, azuritePid);
    expect(isAlive(azuritePid)).toBe(true);

    // Answered 201, then the host dies at once, well within Azurite's 5 s autosave.
    const created = await fetch(`${apiUrl}/schedules`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: definition("answered-before-crash"),
    });
    expect(created.status).toBe(201);
    process.kill(hostPid, "SIGKILL");

    const killedAt = Date.now();
    while (
      (isAlive(azuritePid) || (await Promise.all(azuritePorts.map(isPortOpen))).includes(true)) &&
      Date.now() - killedAt < ORPHAN_BOUND_MS
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(
      isAlive(azuritePid),
      `Azurite (pid ${azuritePid}) outlived its host by ${ORPHAN_BOUND_MS} ms`,
    ).toBe(false);
    expect(await Promise.all(azuritePorts.map(isPortOpen))).toEqual([false, false, false]);
    await first.exited;

    // The lock of the dead host is still there; the next host takes it over.
    expect(existsSync(path.join(cwd, ".azurite", LOCK_FILE_NAME))).toBe(true);
    const second = spawnHost(["--port", String(port), "--persist"], {
      cwd,
      env: environmentWithoutStorage(),
    });
    await waitForHealth(second, apiUrl);
    const [secondHostPid = 0, secondAzuritePid = 0] = await lockedPids(cwd);
    leftovers.push(secondHostPid, secondAzuritePid);
    expect(secondHostPid).not.toBe(hostPid);
    const kept = await fetch(`${apiUrl}/schedules/answered-before-crash`);
    expect(kept.status).toBe(200);

    expect(await stopWithSignal(second, "SIGINT")).toBe(0);
    expect(existsSync(path.join(cwd, ".azurite", LOCK_FILE_NAME))).toBe(false);
    expect(isAlive(secondAzuritePid)).toBe(false);
  }, 120_000);

  it("a second host on the same folder refuses with a message naming the first, which keeps serving", async () => {
    const cwd = await temporaryFolder();
    const [firstPort, secondPort] = [await freePort(), await freePort()];
    const first = spawnHost(["--port", String(firstPort), "--persist"], {
      cwd,
      env: environmentWithoutStorage(),
    });
    await waitForHealth(first, `http://127.0.0.1:${firstPort}/api`);
    const [hostPid = 0] = await lockedPids(cwd);

    const second = spawnHost(["--port", String(secondPort), "--persist"], {
      cwd,
      env: environmentWithoutStorage(),
    });
    expect(await exitWithin(second, 30_000)).toBe(1);
    expect(second.output()).toContain(
      `${path.join(cwd, ".azurite")} is in use by another local host (pid ${hostPid}, started `,
    );
    expect(second.output()).toContain("Stop that host first");
    expect(second.output()).not.toContain("is running");
    expect(second.output()).not.toContain("embedded Azurite persisted");
    expect(await isPortOpen(secondPort)).toBe(false);

    expect((await fetch(`http://127.0.0.1:${firstPort}/api/health`)).status).toBe(200);
    expect(await lockedPids(cwd)).toHaveLength(2);
    expect(await stopWithSignal(first, "SIGINT")).toBe(0);
  }, 120_000);
});
