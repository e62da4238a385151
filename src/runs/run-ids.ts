import { randomBytes } from "node:crypto";

/**
 * Run ids carry where the run is kept: `<scheduleId or "api">-<inverted creation ms><random>`. The inverted
 * time makes a schedule's runs list newest first in RowKey order, and GET /runs/{id} needs no index.
 *
 * Thirteen inverted digits end at 2286-11-20T17:46:39.999Z, yet a schedule may fire up to 9999-12-31 (CONTRACT
 * 2.1, startTime and endTime). Runs created after that instant carry `-` and fifteen inverted digits: `-` sorts
 * before every digit, so they list before every earlier run, and the ids made until then keep their form.
 */
const MAX_MS = 9_999_999_999_999;
const MAX_LATE_MS = 999_999_999_999_999;
const RUN_ID = /^([0-9a-f]{32}|api)-(\d{13}[0-9a-f]{8}|-\d{15}[0-9a-f]{8})$/;

export interface RunLocation {
  partitionKey: string;
  rowKey: string;
}

export function newRunId(scheduleId: string | null, createdAt: Date): string {
  const createdMs = createdAt.getTime();
  if (!Number.isInteger(createdMs) || createdMs < 0 || createdMs > MAX_LATE_MS) {
    throw new RangeError(
      `A run cannot be created at ${String(createdAt)}: run ids carry instants from 1970 on`,
    );
  }
  const inverted =
    createdMs <= MAX_MS
      ? String(MAX_MS - createdMs).padStart(13, "0")
      : `-${String(MAX_LATE_MS - createdMs).padStart(15, "0")}`;
  return `${scheduleId ?? "api"}-${inverted}${randomBytes(4).toString("hex")}`;
}

export function runPartitionKey(scheduleId: string | null): string {
  return scheduleId === null ? "api" : `s_${scheduleId}`;
}

/** Where a run id is stored, or undefined when the text is not a run id. */
export function locateRun(runId: string): RunLocation | undefined {
  const match = RUN_ID.exec(runId);
  if (!match) return undefined;
  const [, owner, suffix] = match;
  return { partitionKey: owner === "api" ? "api" : `s_${owner}`, rowKey: `run:${suffix}` };
}
