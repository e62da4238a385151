import type { FireTimes, Problem, Schedule } from "../api/api-schemas.js";
import type { RunWait } from "../api/submit-routes.js";
import { describeTrigger } from "../recurrence/describe-trigger.js";
import type { Run } from "../runs/run-record.js";

/** What the command line prints: aligned tables and key/value blocks for people, or the API's JSON. */

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

export function keyValues(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([key]) => key.length));
  return pairs.map(([key, value]) => `${`${key}:`.padEnd(width + 1)}  ${value}`).join("\n");
}

export function targetText(target: Schedule["target"]): string {
  if (target.pipelineId !== undefined) return `pipeline ${target.pipelineId}`;
  const version = target.pipelineVersion === undefined ? "" : ` v${target.pipelineVersion}`;
  if (target.pipelineEndpointId !== undefined) return `endpoint ${target.pipelineEndpointId}${version}`;
  if (target.pipelineEndpointName !== undefined) return `endpoint "${target.pipelineEndpointName}"${version}`;
  const deployment = target.deployment === undefined ? "" : ` (${target.deployment})`;
  if (target.batchEndpoint !== undefined) return `batch endpoint ${target.batchEndpoint}${deployment}`;
  if (target.batchEndpointUrl !== undefined) return `${target.batchEndpointUrl}${deployment}`;
  if (target.pipelineComponent !== undefined) {
    return `component ${target.pipelineComponent}@${target.version ?? "latest"}${target.compute === undefined ? "" : ` on ${target.compute}`}`;
  }
  return target.endpointUrl ?? "";
}

export function schedulesTable(schedules: readonly Schedule[]): string {
  return table(
    ["NAME", "STATUS", "TRIGGER", "TARGET", "NEXT RUN (UTC)", "LAST RUN"],
    schedules.map((schedule) => [
      schedule.name,
      schedule.status,
      describeTrigger(schedule.trigger),
      targetText(schedule.target),
      schedule.nextRunAt ?? "-",
      schedule.lastRun === null ? "-" : `${schedule.lastRun.outcome} ${schedule.lastRun.createdAt}`,
    ]),
  );
}

export function scheduleDetails(schedule: Schedule): string {
  const parameters = Object.entries(schedule.parameterAssignments).map(
    ([name, value]) => `${name}=${String(value)}`,
  );
  return keyValues([
    ["Name", schedule.name],
    ["Id", schedule.id],
    ["Status", schedule.status],
    ["Description", schedule.description || "-"],
    ["Target", targetText(schedule.target)],
    ["Experiment", schedule.experimentName],
    ["Parameters", parameters.join(", ") || "-"],
    ["Trigger", describeTrigger(schedule.trigger)],
    ["Catch-up", schedule.policy.catchUp],
    ["Next run (UTC)", schedule.nextRunAt ?? "-"],
    ["Last run", schedule.lastRun === null ? "-" : `${schedule.lastRun.id} ${schedule.lastRun.outcome}`],
    ["Created", schedule.createdAt],
    ["Updated", schedule.updatedAt],
  ]);
}

export function fireTimesTable(times: FireTimes): string {
  return table(
    ["AT (UTC)", "LOCAL"],
    times.value.map((time) => [time.at, time.local]),
  );
}

/**
 * The history as people read it: how each run came out (its outcome), how long its pipeline run took, and its
 * page in Azure ML studio where it has one (else the pipeline run's id, as for the local sandbox).
 */
export function runsTable(runs: readonly Run[]): string {
  return table(
    ["ID", "REASON", "OUTCOME", "SCHEDULED FOR", "CREATED", "DURATION", "PIPELINE RUN", "ERROR"],
    runs.map((run) => [
      run.id,
      run.reason,
      run.outcome,
      run.scheduledFor ?? "-",
      run.createdAt,
      durationText(run.durationMs),
      run.studioUrl ?? run.pipelineRunId ?? "-",
      run.error ?? "",
    ]),
  );
}

/** `45 s`, `12 min 5 s`, `1 h 30 min`, `2 d 3 h`; `-` when unknown. */
export function durationText(durationMs: number | null): string {
  if (durationMs === null) return "-";
  const seconds = Math.round(durationMs / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

export function runDetails(run: Run | RunWait): string {
  const pairs: [string, string][] = [
    ["Run", run.id],
    ["Status", run.status],
    ["Outcome", run.outcome],
    ["Reason", run.reason],
    ["Schedule", run.scheduleName ?? "-"],
    ["Scheduled for", run.scheduledFor ?? "-"],
    ["Created", run.createdAt],
    ["Submitted", run.submittedAt ?? "-"],
    ["Attempts", String(run.attempts)],
    ["Pipeline run", run.pipelineRunId ?? "-"],
  ];
  if ("pipelineStatus" in run) {
    // A v2 job's own word (Completed, Queued, ...) beside the run's (CONTRACT 7), when they differ.
    const detail = "pipelineStatusDetail" in run ? run.pipelineStatusDetail : null;
    const status = run.pipelineStatus ?? "-";
    pairs.push([
      "Pipeline run status",
      detail === null || detail === status ? status : `${status} (${detail})`,
    ]);
  }
  pairs.push(["Duration", durationText(run.durationMs)]);
  if (run.studioUrl !== null) pairs.push(["Studio", run.studioUrl]);
  if (run.error !== null) pairs.push(["Error", run.error]);
  return keyValues(pairs);
}

/** The problem as a person reads it: status, title, detail, then each field's message. */
export function problemText(problem: Problem): string {
  const lines = [`Error ${problem.status} ${problem.title}: ${problem.detail}`];
  for (const issue of problem.errors ?? []) lines.push(`  ${issue.path || "(body)"}: ${issue.message}`);
  return lines.join("\n");
}
