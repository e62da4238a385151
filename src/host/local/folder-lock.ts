import { randomUUID } from "node:crypto";
import { link, readFile, rename, unlink, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * One writer per data folder: two Azurites on one `.azurite/` each keep the folder's databases in memory and
 * overwrite each other's saves, so whatever one of them accepted is lost when the other saves (issue 11.5). The
 * lock is a file naming the processes that write the folder, the local host first, then its Azurite; it is held
 * while any of them lives, and a lock whose processes are all gone (a crash) is taken over.
 */

export const LOCK_FILE_NAME = "local-host.lock";

/** What the lock file holds. */
interface LockHolder {
  /** The local host first, then the processes it started that write the folder. */
  pids: number[];
  startedAt: string;
}

export interface FolderLock {
  /** Records a process that writes the folder too (the embedded Azurite), so that the lock outlives the host's crash until it exits. */
  addProcess(pid: number): Promise<void>;
  /** Removes the lock file, if it is still this lock's. */
  release(): Promise<void>;
}

export class FolderInUseError extends Error {
  override name = "FolderInUseError";
}

export interface FolderLockOptions {
  /** How long to wait for the processes of a host that died (its Azurite, still saving) to exit. */
  leftoverWaitMs?: number;
}

/**
 * Takes the lock of `folder` for this process, or throws FolderInUseError naming the process that holds it. When
 * the host that held it is gone but its Azurite is still saving, waits up to `leftoverWaitMs` for it to exit.
 */
export async function lockFolder(folder: string, options: FolderLockOptions = {}): Promise<FolderLock> {
  const lockPath = path.join(folder, LOCK_FILE_NAME);
  const leftoverDeadline = Date.now() + (options.leftoverWaitMs ?? 10_000);
  let holder: LockHolder = { pids: [process.pid], startedAt: new Date().toISOString() };
  for (;;) {
    if (await createExclusively(lockPath, holder)) break;
    const found = await readHolder(lockPath);
    if (found === "absent") continue;
    if (found === "unreadable") {
      await takeOver(lockPath, undefined);
      continue;
    }
    const alive = found.holder.pids.filter(isAlive);
    if (alive.length === 0) {
      await takeOver(lockPath, found.text);
      continue;
    }
    const other = found.holder;
    const [hostPid] = other.pids;
    const hint = `If no local host runs, delete ${lockPath}.`;
    if (hostPid !== undefined && alive.includes(hostPid)) {
      throw new FolderInUseError(
        `${folder} is in use by another local host (pid ${hostPid}, started ${other.startedAt}): two hosts on one ` +
          `folder overwrite each other's data. Stop that host first, or start this one from another directory or ` +
          `without --persist. ${hint}`,
      );
    }
    if (Date.now() >= leftoverDeadline) {
      throw new FolderInUseError(
        `${folder} is still in use by pid ${alive.join(", ")}, started by a local host (pid ${hostPid ?? "?"}) ` +
          `that is gone; it should have exited by itself. Stop it, then start again. ${hint}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    addProcess: async (pid) => {
      holder = { ...holder, pids: [...holder.pids, pid] };
      // Written beside, then renamed over: a reader sees the old lock or the new one, never half of one.
      const temporary = `${lockPath}.${randomUUID()}.tmp`;
      await writeFile(temporary, JSON.stringify(holder));
      await rename(temporary, lockPath);
    },
    release: async () => {
      const found = await readHolder(lockPath);
      if (found !== "absent" && found !== "unreadable" && found.text === JSON.stringify(holder)) {
        await unlink(lockPath).catch(ignoreMissing);
      }
    },
  };
}

/** Creates the lock file with its whole content at once (a hard link fails when the name exists); false when it exists. */
async function createExclusively(lockPath: string, holder: LockHolder): Promise<boolean> {
  const temporary = `${lockPath}.${randomUUID()}.tmp`;
  await writeFile(temporary, JSON.stringify(holder));
  try {
    await link(temporary, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(temporary).catch(ignoreMissing);
  }
}

async function readHolder(
  lockPath: string,
): Promise<{ text: string; holder: LockHolder } | "absent" | "unreadable"> {
  let text: string;
  try {
    text = await readFile(lockPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (Array.isArray(parsed.pids) && parsed.pids.every((pid) => Number.isInteger(pid) && pid > 0)) {
      return { text, holder: { pids: parsed.pids, startedAt: String(parsed.startedAt) } };
    }
  } catch {
    // Not JSON: no process can be named as its holder.
  }
  return "unreadable";
}

/**
 * Moves the stale lock aside and removes it, unless another process replaced it in the meantime: then it is put
 * back, and the next look finds that process alive.
 */
async function takeOver(lockPath: string, staleText: string | undefined): Promise<void> {
  const aside = `${lockPath}.${randomUUID()}.stale`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const movedText = await readFile(aside, "utf8").catch(() => undefined);
  if (staleText !== undefined && movedText !== staleText) {
    await link(aside, lockPath).catch(() => undefined);
  }
  await unlink(aside).catch(ignoreMissing);
}

/** Signal 0 tests for existence (POSIX kill(2)); EPERM means it exists under another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}
