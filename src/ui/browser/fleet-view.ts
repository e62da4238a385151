import type { FireTimes, Schedule } from "../../api/api-schemas.js";
import type { Run } from "../../runs/run-record.js";
import { api, type RunList } from "./api.js";
import { el, nodesOf, svg, type Child } from "./dom.js";
import { main, pageUrl } from "./page.js";
import { badge, scheduleHref } from "./schedule-cells.js";
import { DAY, duration, MINUTE, relative } from "./time.js";

/**
 * The fleet view (issue 13, "where people look"): every schedule on one time axis, one lane each, the schedules
 * whose last run failed first and then by next fire. Left of "now", the recent runs as bars from submission to end,
 * coloured by outcome; right of it, the fires of the next 24 hours or 7 days. Times are the viewer's own zone, as
 * the lanes' schedules may each have another.
 */

export type FleetSpan = "24h" | "7d";
const SPANS: Record<FleetSpan, { label: string; ahead: number }> = {
  "24h": { label: "Next 24 hours", ahead: DAY },
  "7d": { label: "Next 7 days", ahead: 7 * DAY },
};
/** The past takes a fifth of the axis: the last 6 hours beside the next 24, the last 42 beside the next 7 days. */
const PAST_SHARE = 0.2;
/** `/next` gives at most 100 fires; a schedule with more in the window is drawn as a band past the 100th. */
const FIRES_FETCHED = 100;
const RUNS_FETCHED = 50;
/** Lanes drawn, failed first: the page asks two things per lane, so a very large fleet is cut short. */
const MAX_LANES = 60;
/** Requests in flight at once while the lanes load. */
const PARALLEL_REQUESTS = 6;
const LANE_HEIGHT = 30;
/**
 * Label column and gap of a wide page (status-page.css `.lane`); on a page of WIDE_PAGE pixels or less (its
 * `@media (max-width: 720px)`) the label goes above the lane.
 */
const LABEL_WIDTH = 16 * 16 + 16;
const WIDE_PAGE = 720;
/** Half the width of a tick label and of "now", in pixels, so that the two never overlap. */
const NOW_LABEL_CLEARANCE = 40;

const OUTCOME_WORDS: Record<string, string> = {
  Finished: "finished",
  Failed: "failed",
  Canceled: "canceled",
  Skipped: "skipped",
  Running: "running",
  NotStarted: "not started yet",
  Submitted: "submitted",
  Pending: "waiting to be submitted",
  Deferred: "held until the run before it ends",
};

interface Lane {
  schedule: Schedule;
  /** Upcoming fires, as instants (ms), soonest first. */
  fires: number[];
  /** Whether more fires may follow the last of `fires` (as many were fetched as `/next` gives). */
  moreFires: boolean;
  /** The newest runs, newest first. */
  runs: Run[];
  problem: string | null;
}

export function spanOf(params: URLSearchParams): FleetSpan {
  return params.get("span") === "7d" ? "7d" : "24h";
}

/** Failed last runs first, then the schedule that fires soonest, then those that fire at no known time, by name. */
export function fleetOrder(left: Schedule, right: Schedule): number {
  const failed = (schedule: Schedule) => (schedule.lastRun?.outcome === "Failed" ? 0 : 1);
  if (failed(left) !== failed(right)) return failed(left) - failed(right);
  if (left.nextRunAt && right.nextRunAt && left.nextRunAt !== right.nextRunAt) {
    return left.nextRunAt < right.nextRunAt ? -1 : 1;
  }
  if (Boolean(left.nextRunAt) !== Boolean(right.nextRunAt)) return left.nextRunAt ? -1 : 1;
  return left.name.localeCompare(right.name);
}

async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function loadLane(schedule: Schedule): Promise<Lane> {
  const path = "schedules/" + encodeURIComponent(schedule.id);
  const timeBased =
    schedule.status === "Active" && schedule.trigger.type !== "datastore" && schedule.nextRunAt;
  try {
    const [next, runs] = await Promise.all([
      timeBased ? api<FireTimes>(path + "/next?count=" + FIRES_FETCHED) : { value: [] },
      schedule.lastRun ? api<RunList>(path + "/runs?top=" + RUNS_FETCHED) : { value: [], nextLink: null },
    ]);
    return {
      schedule,
      fires: next.value.map((fire) => new Date(fire.at).getTime()),
      moreFires: next.value.length >= FIRES_FETCHED,
      runs: runs.value,
      problem: null,
    };
  } catch (error) {
    return {
      schedule,
      fires: [],
      moreFires: false,
      runs: [],
      problem: error instanceof Error ? error.message : String(error),
    };
  }
}

/** The fleet section of the list; `schedules` in any order. */
export async function fleetView(schedules: readonly Schedule[], now: number): Promise<HTMLElement | null> {
  if (!schedules.length) return null;
  const ordered = [...schedules].sort(fleetOrder);
  const lanes = await inParallel(ordered.slice(0, MAX_LANES), PARALLEL_REQUESTS, loadLane);
  const section = el("section", { class: "fleet", id: "fleet", "aria-labelledby": "fleet-title" });
  const draw = (span: FleetSpan, focusId?: string) => {
    section.replaceChildren(...nodesOf(fleetContent(lanes, schedules.length, span, now, draw)));
    if (focusId) document.getElementById(focusId)?.focus();
  };
  draw(spanOf(new URLSearchParams(location.search)));
  return section;
}

function fleetContent(
  lanes: readonly Lane[],
  total: number,
  span: FleetSpan,
  now: number,
  draw: (span: FleetSpan, focusId?: string) => void,
): Child[] {
  const ahead = SPANS[span].ahead;
  const start = now - (ahead * PAST_SHARE) / (1 - PAST_SHARE);
  const end = now + ahead;
  // clientWidth counts main's padding; the lanes get only its content box.
  const style = getComputedStyle(main);
  const content = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const wide = window.innerWidth > WIDE_PAGE;
  const width = Math.max(200, Math.floor(content - (wide ? LABEL_WIDTH : 0) - 2));
  const x = (instant: number) => ((Math.min(Math.max(instant, start), end) - start) / (end - start)) * width;
  const spanButtons = (Object.keys(SPANS) as FleetSpan[]).map((key) => {
    const button = el(
      "button",
      {
        type: "button",
        class: "secondary",
        id: "fleet-span-" + key,
        "aria-pressed": key === span ? "true" : "false",
      },
      SPANS[key].label,
    );
    button.addEventListener("click", () => {
      const params = new URLSearchParams(location.search);
      if (key === "24h") params.delete("span");
      else params.set("span", key);
      history.replaceState(null, "", pageUrl(params));
      draw(key, button.id);
    });
    return button;
  });
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return [
    el(
      "div",
      { class: "fleet-head" },
      el("h2", { id: "fleet-title" }, "Fleet"),
      el("div", { class: "segmented", role: "group", "aria-label": "Time span" }, spanButtons),
    ),
    el(
      "p",
      { class: "muted small" },
      "Schedules whose last run failed first, then by next fire. Past runs are coloured by outcome, upcoming fires are " +
        "blue ticks; times in your time zone (" +
        zone +
        ")." +
        (total > lanes.length ? " The first " + lanes.length + " of " + total + " schedules are shown." : ""),
    ),
    legend(),
    el(
      "div",
      { class: "lane axis" },
      wide ? el("div", { class: "lane-label" }) : null,
      axis(start, end, now, width, x),
    ),
    el(
      "ol",
      { class: "lanes", id: "fleet-lanes" },
      lanes.map((lane) => laneRow(lane, span, start, end, now, width, x)),
    ),
  ];
}

function legend(): HTMLElement {
  const entries: [string, string][] = [
    ["Finished", "finished"],
    ["Failed", "failed"],
    ["Canceled", "canceled"],
    ["Skipped", "skipped"],
    ["Running", "running"],
    ["Submitted", "submitted, outcome not read yet"],
    ["Pending", "waiting or held"],
  ];
  return el(
    "ul",
    { class: "legend small", "aria-label": "Colours" },
    entries.map(([outcome, words]) =>
      el("li", {}, el("span", { class: "swatch outcome-" + outcome }), words),
    ),
    el("li", {}, el("span", { class: "swatch fire-swatch" }), "upcoming fire"),
  );
}

/** Ticks at whole local hours or days, some 90 pixels apart. */
function axis(
  start: number,
  end: number,
  now: number,
  width: number,
  x: (instant: number) => number,
): SVGElement {
  const hour = 60 * MINUTE;
  const steps = [hour, 2 * hour, 3 * hour, 6 * hour, 12 * hour, DAY, 2 * DAY, 7 * DAY];
  const step = steps.find((candidate) => ((end - start) / candidate) * 90 <= width) ?? 7 * DAY;
  const ticks: SVGElement[] = [];
  const first = new Date(start);
  first.setMinutes(0, 0, 0);
  if (step >= DAY) first.setHours(0);
  for (let at = new Date(first); at.getTime() <= end && ticks.length < 200;) {
    const instant = at.getTime();
    const hours = step >= DAY ? 0 : at.getHours();
    if (instant >= start && (step >= DAY || hours % (step / hour) === 0)) {
      const midnight = at.getHours() === 0;
      const label = midnight
        ? at.toLocaleDateString(undefined, { weekday: "short", day: "numeric" })
        : String(at.getHours()).padStart(2, "0") + ":00";
      ticks.push(svg("line", { class: "tick", x1: x(instant), x2: x(instant), y1: 20, y2: 28 }));
      // A label that would overlap "now" is left out; its tick stays.
      if (Math.abs(x(instant) - x(now)) >= NOW_LABEL_CLEARANCE) {
        ticks.push(
          svg(
            "text",
            {
              class: midnight ? "tick-label day" : "tick-label",
              x: x(instant),
              y: 14,
              "text-anchor": "middle",
            },
            label,
          ),
        );
      }
    }
    // Local arithmetic, so that a tick stays on the hour across a change of the clocks.
    if (step >= DAY) at.setDate(at.getDate() + step / DAY);
    else at.setHours(at.getHours() + 1);
  }
  return svg(
    "svg",
    { class: "fleet-axis", width, height: 28, viewBox: "0 0 " + width + " 28", "aria-hidden": "true" },
    ticks,
    svg("text", { class: "tick-label now", x: x(now), y: 14, "text-anchor": "middle" }, "now"),
  );
}

function laneRow(
  lane: Lane,
  span: FleetSpan,
  start: number,
  end: number,
  now: number,
  width: number,
  x: (instant: number) => number,
): HTMLLIElement {
  const { schedule } = lane;
  const lastOutcome = schedule.lastRun?.outcome ?? "none";
  const shownRuns = lane.runs.filter((run) => runEnd(run, now) >= start && runStart(run) <= now);
  const shownFires = lane.fires.filter((fire) => fire <= end);
  const middle = LANE_HEIGHT / 2;
  const marks: SVGElement[] = [
    svg("rect", { class: "past", x: 0, y: 0, width: x(now), height: LANE_HEIGHT }),
    svg("line", { class: "now", x1: x(now), x2: x(now), y1: 0, y2: LANE_HEIGHT }),
  ];
  // Oldest first, so that a newer run is drawn over an older one it overlaps.
  for (const run of [...shownRuns].reverse()) {
    const from = x(runStart(run));
    const to = Math.max(x(runEnd(run, now)), from + 4);
    marks.push(
      svg(
        "rect",
        {
          class: "run outcome-" + run.outcome,
          "data-run-id": run.id,
          x: Math.min(from, width - 4),
          y: middle - 7,
          width: Math.min(to, width) - Math.min(from, width - 4),
          height: 14,
          rx: 2,
        },
        svg("title", {}, runTitle(run, now)),
      ),
    );
  }
  const lastFetched = lane.fires[lane.fires.length - 1];
  if (lane.moreFires && lastFetched !== undefined && lastFetched < end) {
    marks.push(
      svg(
        "rect",
        { class: "fires-more", x: x(lastFetched), y: middle - 5, width: x(end) - x(lastFetched), height: 10 },
        svg("title", {}, "More fires follow: over " + FIRES_FETCHED + " in this span"),
      ),
    );
  }
  for (const fire of shownFires) {
    marks.push(
      svg(
        "line",
        { class: "fire", x1: x(fire), x2: x(fire), y1: middle - 8, y2: middle + 8 },
        svg(
          "title",
          {},
          "Fires " +
            new Date(fire).toLocaleString() +
            " (" +
            relative(new Date(fire).toISOString(), now) +
            ")",
        ),
      ),
    );
  }
  const note = laneNote(lane);
  if (note) marks.push(svg("text", { class: "lane-note", x: x(now) + 8, y: middle + 4 }, note));
  const summary =
    schedule.name +
    ": " +
    (lane.moreFires ? "over " + FIRES_FETCHED : String(shownFires.length)) +
    " fires in the " +
    SPANS[span].label.toLowerCase() +
    "; " +
    (shownRuns.length
      ? shownRuns.length + " recent runs, the last " + (OUTCOME_WORDS[shownRuns[0]?.outcome ?? ""] ?? "")
      : "no recent runs") +
    ".";
  return el(
    "li",
    {
      class:
        "lane" +
        (lastOutcome === "Failed" ? " failed" : "") +
        (schedule.status === "Disabled" ? " disabled" : ""),
      "data-schedule-id": schedule.id,
      "data-last-outcome": lastOutcome,
    },
    el(
      "div",
      { class: "lane-label" },
      el("a", { href: scheduleHref(schedule.id), "data-nav": true }, schedule.name),
      " ",
      schedule.lastRun ? badge(schedule.lastRun.outcome) : null,
      el("br"),
      el(
        "span",
        { class: "muted small" },
        schedule.nextRunAt ? "next " + relative(schedule.nextRunAt, now) : nextWords(schedule),
      ),
    ),
    svg(
      "svg",
      {
        class: "lane-chart",
        width,
        height: LANE_HEIGHT,
        viewBox: "0 0 " + width + " " + LANE_HEIGHT,
        role: "img",
        "aria-label": summary,
      },
      marks,
    ),
  );
}

function nextWords(schedule: Schedule): string {
  if (schedule.status === "Disabled") return "disabled";
  return schedule.trigger.type === "datastore" ? "when files change" : "no more fires";
}

function laneNote(lane: Lane): string | null {
  if (lane.problem) return "could not load: " + lane.problem;
  if (lane.fires.length) return null;
  if (lane.schedule.status === "Disabled") return "disabled";
  if (lane.schedule.trigger.type === "datastore") return "fires when files change";
  return "no more fires";
}

function runStart(run: Run): number {
  return new Date(run.submittedAt ?? run.scheduledFor ?? run.createdAt).getTime();
}

/** Where a run's bar ends: at its end when it was read, at now while it runs, else where it started. */
function runEnd(run: Run, now: number): number {
  if (run.durationMs !== null && run.submittedAt) return new Date(run.submittedAt).getTime() + run.durationMs;
  if (run.outcome === "Running" || run.outcome === "NotStarted") return now;
  return runStart(run);
}

function runTitle(run: Run, now: number): string {
  const at = new Date(runStart(run)).toISOString();
  return (
    (OUTCOME_WORDS[run.outcome] ?? run.outcome) +
    ": " +
    run.reason +
    " run, " +
    new Date(at).toLocaleString() +
    " (" +
    relative(at, now) +
    ")" +
    (run.durationMs !== null ? ", took " + duration(run.durationMs) : "") +
    (run.error ? ". " + run.error : "")
  );
}
