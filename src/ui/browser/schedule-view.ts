import type { FireTimes } from "../../api/api-schemas.js";
import type { FireLagSummary } from "../../runs/fire-lag.js";
import type { Run } from "../../runs/run-record.js";
import type { Schedule } from "../../api/api-schemas.js";
import type { Target } from "../../schedules/schema.js";
import { api, report, type RunList } from "./api.js";
import { el, type Child } from "./dom.js";
import { fireLagLine, runLag } from "./fire-lag.js";
import { currentScheduleId, say } from "./page.js";
import { badge, cell, nextRunCell, pipelineRunCell, zoneNameOf } from "./schedule-cells.js";
import { duration, inZone, relative } from "./time.js";
import { timeline, TIMELINE_FIRES, type Fire } from "./timeline.js";

/** Draws the view again; `focusId` names the element to give the focus back to. */
export type Rerender = (options?: { focusId?: string }) => Promise<void>;

const RUNS_PER_PAGE = 25;

const CATCH_UP: Record<string, string> = {
  latest: "latest: after an outage, fire once for the most recent missed occurrence",
  none: "none: skip missed occurrences",
  all: "all: fire missed occurrences, oldest first",
};

function describeTarget(target: Target): string {
  if (target.pipelineId) return "Published pipeline " + target.pipelineId;
  const version = target.pipelineVersion ? ", version " + target.pipelineVersion : ", default version";
  if (target.pipelineEndpointId) return "Pipeline endpoint " + target.pipelineEndpointId + version;
  if (target.pipelineEndpointName) return "Pipeline endpoint named " + target.pipelineEndpointName + version;
  const deployment = target.deployment ? ", deployment " + target.deployment : ", default deployment";
  if (target.batchEndpoint) return "Batch endpoint " + target.batchEndpoint + deployment;
  if (target.batchEndpointUrl) return "Batch endpoint " + target.batchEndpointUrl + deployment;
  if (target.pipelineComponent) {
    return (
      "Pipeline component " +
      target.pipelineComponent +
      ", version " +
      (target.version ?? "latest") +
      (target.compute ? ", on " + target.compute : "")
    );
  }
  return "Endpoint URL " + target.endpointUrl;
}

/** Where notifications go, by host only: the rest of a Logic App's URL is its signature, a secret. */
function notifyText(schedule: Schedule): Child {
  const notify = schedule.notify;
  if (!notify) return el("span", { class: "muted" }, "none");
  let host: string;
  try {
    host = new URL(notify.url).host;
  } catch {
    host = "an unreadable URL";
  }
  return ["On ", notify.on.join(", "), ", to ", el("code", {}, host)];
}

function settingsList(schedule: Schedule): HTMLDListElement {
  const zone = zoneNameOf(schedule);
  const parameters = Object.entries(schedule.parameterAssignments);
  const dataPaths = Object.entries(schedule.dataPathAssignments);
  const policy = schedule.policy;
  const item = (term: string, ...details: Child[]) => [el("dt", {}, term), el("dd", {}, ...details)];
  return el(
    "dl",
    { class: "settings", id: "settings" },
    item(
      "Trigger",
      schedule.triggerDescription,
      el(
        "details",
        {},
        el("summary", {}, "As JSON"),
        el("pre", {}, JSON.stringify(schedule.trigger, null, 2)),
      ),
    ),
    item("Description", schedule.description || el("span", { class: "muted" }, "none")),
    item("Target", describeTarget(schedule.target)),
    item("Experiment", schedule.experimentName),
    item(
      "Parameters",
      parameters.length
        ? el(
            "ul",
            {},
            parameters.map(([name, value]) =>
              el("li", {}, el("code", {}, name), " = ", el("code", {}, JSON.stringify(value))),
            ),
          )
        : el("span", { class: "muted" }, "none"),
    ),
    item(
      "Data paths",
      dataPaths.length
        ? el(
            "ul",
            {},
            dataPaths.map(([name, path]) =>
              el("li", {}, el("code", {}, name), " = " + path.dataStoreName + "/" + path.relativePath),
            ),
          )
        : el("span", { class: "muted" }, "none"),
    ),
    item("Continue on step failure", schedule.continueOnStepFailure ? "yes" : "no"),
    item(
      "Missed runs",
      (CATCH_UP[policy.catchUp] || policy.catchUp) +
        (policy.maxCatchUpRuns ? " (at most " + policy.maxCatchUpRuns + ")" : ""),
    ),
    item("Notifications", notifyText(schedule)),
    item("Created", inZone(schedule.createdAt, zone) + ", " + zone),
    item("Updated", inZone(schedule.updatedAt, zone) + ", " + zone),
    item("Id", el("code", {}, schedule.id)),
  );
}

function upcoming(schedule: Schedule, fires: readonly Fire[], now: number): Child {
  if (schedule.trigger.type === "datastore") {
    return el(
      "p",
      {},
      schedule.status === "Active"
        ? schedule.triggerDescription + "."
        : "Disabled: the folder is not checked.",
    );
  }
  if (!fires.length) {
    return el(
      "p",
      { class: "muted" },
      schedule.status === "Active"
        ? "No more occurrences."
        : "Disabled: nothing will fire until it is enabled.",
    );
  }
  const zone = zoneNameOf(schedule);
  return [
    timeline(fires, zone, now),
    el(
      "ol",
      { class: "fires", id: "fires" },
      fires.map((fire) =>
        el(
          "li",
          {},
          el("span", { class: "when" }, inZone(fire.at, zone)),
          el("span", { class: "muted small" }, " " + relative(fire.at, now)),
        ),
      ),
    ),
  ];
}

/** How long the pipeline run took; while it runs, how long it has run so far; else a dash. */
function runDuration(run: Run, now: number): Child {
  if (run.durationMs !== null) return duration(run.durationMs);
  if ((run.outcome === "Running" || run.outcome === "NotStarted") && run.submittedAt) {
    return el("span", { class: "muted" }, duration(now - new Date(run.submittedAt).getTime()) + " so far");
  }
  return el("span", { class: "muted" }, "—");
}

function runRow(schedule: Schedule, run: Run, now: number): HTMLTableRowElement {
  const zone = zoneNameOf(schedule);
  return el(
    "tr",
    { "data-run-id": run.id },
    cell(
      "Created",
      el("span", { class: "when", title: run.createdAt }, inZone(run.createdAt, zone)),
      el("br"),
      el("span", { class: "muted small" }, relative(run.createdAt, now)),
    ),
    cell(
      "Reason",
      run.reason,
      run.scheduledFor
        ? [el("br"), el("span", { class: "muted small" }, "for " + inZone(run.scheduledFor, zone))]
        : null,
      runLag(run),
    ),
    cell(
      "Outcome",
      badge(run.outcome),
      run.httpStatus ? el("span", { class: "muted small" }, " HTTP " + run.httpStatus) : null,
    ),
    cell("Duration", runDuration(run, now)),
    cell("Attempts", String(run.attempts)),
    cell("Pipeline run", pipelineRunCell(schedule, run)),
    cell(
      "Changed blob",
      run.changedBlob ? el("code", {}, run.changedBlob.path) : el("span", { class: "muted" }, "—"),
    ),
    cell(
      "Error",
      run.error ? el("span", { class: "error-text" }, run.error) : el("span", { class: "muted" }, "—"),
    ),
  );
}

function runTable(schedule: Schedule, runs: readonly Run[], nextLink: string | null, now: number): Child {
  if (!runs.length) return el("p", { class: "muted" }, "No runs yet.");
  const body = el(
    "tbody",
    {},
    runs.map((run) => runRow(schedule, run, now)),
  );
  let more = nextLink;
  const moreButton = el("button", { type: "button", class: "secondary", id: "more-runs" }, "Show older runs");
  moreButton.addEventListener("click", () => {
    void showOlderRuns();
  });
  async function showOlderRuns(): Promise<void> {
    if (!more) return;
    moreButton.disabled = true;
    try {
      const page = await api<RunList>(more);
      body.append(...page.value.map((run) => runRow(schedule, run, Date.now())));
      more = page.nextLink;
      if (!more) moreButton.remove();
    } catch (error) {
      report(error);
    } finally {
      moreButton.disabled = false;
    }
  }
  return [
    el(
      "table",
      { class: "cards", id: "runs" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          [
            "Created",
            "Reason",
            "Outcome",
            "Duration",
            "Attempts",
            "Pipeline run",
            "Changed blob",
            "Error",
          ].map((name) => el("th", { scope: "col" }, name)),
        ),
      ),
      body,
    ),
    more ? el("p", {}, moreButton) : null,
  ];
}

function actionButton(
  id: string,
  label: string,
  className: string,
  action: () => Promise<string>,
  rerender: Rerender,
): HTMLButtonElement {
  const button = el("button", { type: "button", id, class: className }, label);
  button.addEventListener("click", () => {
    void act();
  });
  async function act(): Promise<void> {
    // A disabled button loses focus; give it back to the button of the same id once the view is redrawn.
    button.disabled = true;
    try {
      say(await action());
      await rerender({ focusId: id });
    } catch (error) {
      button.disabled = false;
      report(error);
    }
  }
  return button;
}

export async function showSchedule(id: string, rerender: Rerender): Promise<Child[]> {
  const path = "schedules/" + encodeURIComponent(id);
  const schedule = await api<Schedule>(path);
  const [next, runs, lag] = await Promise.all([
    schedule.trigger.type === "datastore"
      ? { value: [] }
      : api<FireTimes>(path + "/next?count=" + TIMELINE_FIRES),
    api<RunList>(path + "/runs?top=" + RUNS_PER_PAGE),
    api<FireLagSummary>(path + "/lag"),
  ]);
  const now = Date.now();
  document.title = schedule.name + " · Pipeline schedules";
  const active = schedule.status === "Active";
  const toggle = actionButton(
    "toggle-status",
    active ? "Disable" : "Enable",
    active ? "danger" : "secondary",
    async () => {
      await api(path + (active ? "/disable" : "/enable"), "POST");
      return schedule.name + (active ? " is disabled." : " is enabled.");
    },
    rerender,
  );
  const runNow = actionButton(
    "run-now",
    "Run now",
    "",
    async () => {
      const run = await api<Run>(path + "/trigger", "POST");
      // The submission happens in the background; look again shortly to show how it went.
      setTimeout(() => {
        if (currentScheduleId() === id) void rerender();
      }, 2500);
      return "Run " + run.id + " of " + schedule.name + " is queued (" + run.status + ").";
    },
    rerender,
  );
  return [
    el("p", {}, el("a", { href: "?", "data-nav": true, id: "back" }, "← All schedules")),
    el("h1", {}, schedule.name, " ", badge(schedule.status)),
    schedule.description ? el("p", { id: "description" }, schedule.description) : null,
    el("p", {}, el("strong", {}, "Next run: "), nextRunCell(schedule, now)),
    fireLagLine(lag),
    el("div", { class: "actions" }, runNow, toggle),
    el("h2", {}, "Upcoming fires"),
    upcoming(schedule, next.value, now),
    el("h2", {}, "Run history"),
    runTable(schedule, runs.value, runs.nextLink, now),
    el("h2", {}, "Settings"),
    settingsList(schedule),
  ];
}
