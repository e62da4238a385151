import type { Schedule } from "../../api/api-schemas.js";
import { allSchedules } from "./api.js";
import { el, type Child } from "./dom.js";
import { badge, cell, lastRunCell, nextRunCell, scheduleHref, shorten } from "./schedule-cells.js";
import { fleetView } from "./fleet-view.js";
import { relative } from "./time.js";

/** The list: what fires next first, then the schedules that will not fire, by name. */
function byNextRun(left: Schedule, right: Schedule): number {
  if (left.nextRunAt && right.nextRunAt) return left.nextRunAt < right.nextRunAt ? -1 : 1;
  if (left.nextRunAt || right.nextRunAt) return left.nextRunAt ? -1 : 1;
  return left.name.localeCompare(right.name);
}

function summary(schedules: Schedule[], now: number): HTMLDivElement {
  const active = schedules.filter((schedule) => schedule.status === "Active").length;
  const failed = schedules.filter((schedule) => schedule.lastRun && schedule.lastRun.outcome === "Failed");
  const next = schedules.find((schedule) => schedule.nextRunAt);
  return el(
    "div",
    { class: "summary" },
    el(
      "p",
      {},
      schedules.length +
        (schedules.length === 1 ? " schedule" : " schedules") +
        ": " +
        active +
        " active, " +
        (schedules.length - active) +
        " disabled.",
    ),
    next?.nextRunAt
      ? el("p", {}, "Next to fire: ", el("strong", {}, next.name), " " + relative(next.nextRunAt, now) + ".")
      : el("p", {}, "Nothing is due to fire at a known time."),
    failed.length
      ? el(
          "p",
          { class: "error-text" },
          "Last run failed: ",
          failed.map((schedule, index) => [
            index ? ", " : "",
            el("a", { href: scheduleHref(schedule.id), "data-nav": true }, schedule.name),
          ]),
          ".",
        )
      : el("p", {}, "No schedule's last run failed."),
  );
}

export async function showList(): Promise<Child[]> {
  const schedules = (await allSchedules()).sort(byNextRun);
  const now = Date.now();
  document.title = "Pipeline schedules";
  const rows = schedules.map((schedule) =>
    el(
      "tr",
      { "data-schedule-id": schedule.id },
      cell(
        "Schedule",
        el(
          "a",
          { href: scheduleHref(schedule.id), "data-nav": true, id: "open-" + schedule.id },
          schedule.name,
        ),
        schedule.description
          ? [el("br"), el("span", { class: "muted small" }, shorten(schedule.description, 120))]
          : null,
      ),
      cell("Status", badge(schedule.status)),
      cell("Trigger", schedule.triggerDescription),
      cell("Next run", nextRunCell(schedule, now)),
      cell("Last run", lastRunCell(schedule, now)),
    ),
  );
  return [
    el("h1", {}, "Schedules"),
    summary(schedules, now),
    await fleetView(schedules, now),
    schedules.length
      ? el(
          "table",
          { class: "cards", id: "schedules" },
          el(
            "thead",
            {},
            el(
              "tr",
              {},
              ["Schedule", "Status", "Trigger", "Next run", "Last run"].map((name) =>
                el("th", { scope: "col" }, name),
              ),
            ),
          ),
          el("tbody", {}, rows),
        )
      : el(
          "p",
          {},
          "No schedules yet. Create one with POST /api/schedules; /api/openapi.json describes the API.",
        ),
  ];
}
