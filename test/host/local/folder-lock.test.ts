import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { FolderInUseError, LOCK_FILE_NAME, lockFolder } from "../../../src/host/local/folder-lock.js";

const children: ChildProcess[] = [];

/** A real process that lives until `lifetimeMs` has passed (or the test ends). */
function startProcess(lifetimeMs: number): ChildProcess {
  const child = spawn(process.execPath, ["-e", `setTimeout(() => {}, ${lifetimeMs})`], { stdio: "ignore" });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = startProcess(0);
  await exited(child);
  return child.pid ?? 0;
}

describe("lockFolder (one local host per .azurite/)", () => {
  let folder: string;
  let lockPath: string;
  const writeLock = (pids: number[]) =>
    writeFile(lockPath, JSON.stringify({ pids, startedAt: "2026-11-21T10:00:00.000Z" }));
  const lockedPids = async () => (JSON.parse(await readFile(lockPath, "utf8")) as { pids: number[] }).pids;

  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), "folder-lock-"));
    lockPath = path.join(folder, LOCK_FILE_NAME);
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    await rm(folder, { recursive: true, force: true });
  });
  afterAll(() => children.forEach((child) => child.kill("SIGKILL")));

  it("refuses while the host that holds it lives, naming it; takes over once it is gone", async () => {
    const other = startProcess(60_000);
    await writeLock([other.pid ?? 0]);
    const refused = await lockFolder(folder).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FolderInUseError);
    expect((refused as Error).message).toContain(
      `${folder} is in use by another local host (pid ${other.pid}, started 2026-11-21T10:00:00.000Z)`,
    );
    expect((refused as Error).message).toContain(`delete ${lockPath}`);
    expect(await lockedPids()).toEqual([other.pid]);

    other.kill("SIGKILL");
    await exited(other);
    const lock = await lockFolder(folder);
    expect(await lockedPids()).toEqual([process.pid]);
    await lock.addProcess(other.pid ?? 0);
    expect(await lockedPids()).toEqual([process.pid, other.pid]);
    await lock.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it("waits for the Azurite of a host that died to exit, then takes over", async () => {
    const leftover = startProcess(600);
    await writeLock([await deadPid(), leftover.pid ?? 0]);
    await lockFolder(folder, { leftoverWaitMs: 20_000 });
    expect(leftover.exitCode ?? leftover.signalCode).not.toBeNull();
    expect(await lockedPids()).toEqual([process.pid]);
  });

  it("refuses when that Azurite outlives the wait", async () => {
    const leftover = startProcess(60_000);
    const host = await deadPid();
    await writeLock([host, leftover.pid ?? 0]);
    const refused = await lockFolder(folder, { leftoverWaitMs: 300 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FolderInUseError);
    expect((refused as Error).message).toContain(
      `is still in use by pid ${leftover.pid}, started by a local host (pid ${host}) that is gone`,
    );
  });

  it("lets exactly one of many simultaneous starts win, over a stale lock too", async () => {
    for (const stale of [false, true]) {
      if (stale) await writeLock([await deadPid()]);
      const attempts = await Promise.allSettled(Array.from({ length: 12 }, () => lockFolder(folder)));
      const won = attempts.filter((attempt) => attempt.status === "fulfilled");
      expect(won).toHaveLength(1);
      for (const attempt of attempts) {
        if (attempt.status === "rejected") expect(attempt.reason).toBeInstanceOf(FolderInUseError);
      }
      await won[0]?.value.release();
      expect(existsSync(lockPath)).toBe(false);
    }
  });

  it("takes over a lock file that names no process, and releases only its own lock", async () => {
    await writeFile(lockPath, "not a lock");
    const lock = await lockFolder(folder);
    expect(await lockedPids()).toEqual([process.pid]);
    // Someone else's lock now (deleted by hand and taken by another host): release leaves it alone.
    await writeLock([process.pid]);
    await lock.release();
    expect(await lockedPids()).toEqual([process.pid]);
  });
});
