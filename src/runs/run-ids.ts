import { randomBytes } from "node:crypto";

/**
 * Run ids carry where the run is kept: `<scheduleId or "api">-<inverted creation ms><random>`. The inverted
 * time makes a schedule's runs list newest first in RowKey order, and GET /runs/{id} needs no index.
 */
const MAX_MS = 9_999_999_999_999;
const RUN_ID = /^([0-9a-f]{32}|api)-(\d{13}[0-9a-f]{8})$/;

export interface RunLocation {
  partitionKey: string;
  rowKey: string;
}

export function newRunId(scheduleId: string | null, createdAt: Date): string {
  const inverted = String(MAX_MS - createdAt.getTime()).padStart(13, "0");
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
