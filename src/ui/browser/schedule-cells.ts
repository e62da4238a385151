import type { Schedule } from "../../api/api-schemas.js";
import type { Run } from "../../runs/run-record.js";
import { el, type Child } from "./dom.js";
import { config } from "./page.js";
import { inZone, relative } from "./time.js";

/** The parts of a schedule that the list and the schedule's view both show. */

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function shorten(text: string, length: number): string {
  return text.length > length ? text.slice(0, length - 1) + "…" : text;
}

export function badge(text: string): HTMLSpanElement {
  return el("span", { class: "badge " + text }, text);
}

export function zoneNameOf(schedule: Schedule): string {
  return schedule.trigger.type === "datastore" ? "UTC" : schedule.trigger.timeZone || "UTC";
}

export function scheduleHref(id: string): string {
  return "?" + new URLSearchParams({ schedule: id }).toString();
}

/** The ml.azure.com wsid of a run: from an endpointUrl target's path, else from the workspace settings. */
function workspaceIdOf(schedule: Schedule): string | null {
  const endpointUrl = schedule.target.endpointUrl;
  if (typeof endpointUrl !== "string") return config.studioWorkspaceId;
  let url;
  try {
    url = new URL(endpointUrl);
  } catch {
    return null;
  }
  if (LOOPBACK_HOSTS.has(url.hostname)) return null;
  const match =
    /\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)/i.exec(
      url.pathname,
    );
  return match
    ? "/subscriptions/" + match[1] + "/resourcegroups/" + match[2] + "/workspaces/" + match[3]
    : null;
}

/**
 * The pipeline run's id, linking to its page in Azure ML studio: the run's own `studioUrl` (read off the URL it
 * was sent to), else one from the schedule's workspace (a v2 batch endpoint's URL names none).
 */
export function pipelineRunCell(schedule: Schedule, run: Pick<Run, "pipelineRunId" | "studioUrl">): Child {
  const runId = run.pipelineRunId;
  if (!runId) return "—";
  const workspaceId = run.studioUrl ? null : workspaceIdOf(schedule);
  if (!run.studioUrl && !workspaceId) return el("code", {}, runId);
  const href =
    run.studioUrl || "https://ml.azure.com/runs/" + encodeURIComponent(runId) + "?wsid=" + workspaceId;
  return el(
    "a",
    { href, target: "_blank", rel: "noopener noreferrer", title: "Open the run in Azure ML studio" },
    el("code", {}, runId),
  );
}

export function nextRunCell(schedule: Schedule, now: number): Child {
  if (schedule.nextRunAt) {
    return [
      el("strong", { class: "when" }, relative(schedule.nextRunAt, now)),
      el("br"),
      el(
        "span",
        { class: "muted small" },
        inZone(schedule.nextRunAt, zoneNameOf(schedule)) + ", " + zoneNameOf(schedule),
      ),
    ];
  }
  if (schedule.status === "Disabled") return el("span", { class: "muted" }, "none: disabled");
  if (schedule.trigger.type === "datastore") return el("span", { class: "muted" }, "when files change");
  return el("span", { class: "muted" }, "none: no more occurrences");
}

export function lastRunCell(schedule: Schedule, now: number): Child {
  const run = schedule.lastRun;
  if (!run) return el("span", { class: "muted" }, "never run");
  return [
    badge(run.outcome),
    " ",
    el("span", { class: "when" }, relative(run.createdAt, now)),
    el("span", { class: "muted small" }, " (" + run.reason + ")"),
    run.error
      ? [el("br"), el("span", { class: "error-text small", title: run.error }, shorten(run.error, 160))]
      : null,
  ];
}

export function cell(label: string, ...content: Child[]): HTMLTableCellElement {
  // One wrapper, so that on a phone the cell is two grid items: its label and its content.
  return el("td", { "data-label": label }, el("div", {}, ...content));
}
