import type { FireTimes } from "../../api/api-schemas.js";
import { el, svg } from "./dom.js";
import { main } from "./page.js";
import { DAY, inZone, MINUTE, relative, wallOf, zoneOf } from "./time.js";

export type Fire = FireTimes["value"][number];

export const TIMELINE_FIRES = 20;
const TIMELINE_SPAN = 7 * DAY;
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** Tick spacings, the first that leaves some 80 pixels between ticks: minutes to hours, then days. */
const TICK_STEPS = [1, 5, 15, 30, 60, 180, 360, 720, 1, 2, 7, 14, 28, 56, 112, 224].map(
  (value, index) => value * (index < 8 ? MINUTE : DAY),
);
const LONGEST_TICK_STEP = 224 * DAY;

/**
 * The next fires on a time axis in the schedule's zone: the next 7 days, or the next 20 fires when they all
 * come sooner, or when none comes within 7 days (so the axis is never empty).
 */
export function timeline(fires: readonly Fire[], zoneName: string, now: number): HTMLElement {
  const zone = zoneOf(zoneName);
  const lastFire = fires.length ? fires[fires.length - 1] : undefined;
  const lastFetched = lastFire ? new Date(lastFire.at).getTime() : now;
  const weekAhead = now + TIMELINE_SPAN;
  const byCount =
    (fires.length >= TIMELINE_FIRES && lastFetched <= weekAhead) ||
    !fires.some((fire) => new Date(fire.at).getTime() <= weekAhead);
  const end = byCount ? now + Math.max((lastFetched - now) * 1.04, MINUTE) : weekAhead;
  const shown = fires.filter((fire) => new Date(fire.at).getTime() <= end);
  const width = Math.max(280, Math.floor(main.clientWidth) - 34);
  const height = 92;
  const pad = 28;
  const axisY = 58;
  const x = (instant: number) => pad + ((instant - now) / (end - now)) * (width - 2 * pad);
  const step =
    TICK_STEPS.find((candidate) => (end - now) / candidate <= (width - 2 * pad) / 80) ?? LONGEST_TICK_STEP;
  const ticks: SVGElement[] = [];
  const offsetAt = (instant: number) => wallOf(instant, zone) - instant;
  for (let wall = Math.ceil(wallOf(now, zone) / step) * step; ticks.length < 60; wall += step) {
    const instant = wall - offsetAt(wall - offsetAt(wall));
    if (instant > end) break;
    if (x(instant) < pad + 30) continue;
    const local = new Date(wall);
    const midnight = local.getUTCHours() === 0 && local.getUTCMinutes() === 0;
    const label = !midnight
      ? String(local.getUTCHours()).padStart(2, "0") + ":" + String(local.getUTCMinutes()).padStart(2, "0")
      : step <= DAY
        ? WEEKDAYS[local.getUTCDay()] + " " + local.getUTCDate()
        : local.getUTCDate() + " " + MONTHS[local.getUTCMonth()];
    ticks.push(
      svg("line", { x1: x(instant), x2: x(instant), y1: axisY - 5, y2: axisY + 5, stroke: "#8c959f" }),
      svg(
        "text",
        { x: x(instant), y: axisY + 22, "text-anchor": "middle", "font-size": 12, fill: "#57606a" },
        label,
      ),
    );
  }
  const title = byCount ? "The next " + fires.length + " fires" : "The next 7 days";
  const markers = shown.map((fire) => {
    const at = new Date(fire.at).getTime();
    return svg(
      "g",
      { class: "fire" },
      svg("title", {}, inZone(fire.at, zoneName) + " (" + relative(fire.at, now) + ")"),
      svg("line", { x1: x(at), x2: x(at), y1: 22, y2: axisY, stroke: "#1f6feb", "stroke-width": 2 }),
      svg("circle", { cx: x(at), cy: 22, r: 5, fill: "#1f6feb" }),
    );
  });
  return el(
    "figure",
    { class: "figure" },
    svg(
      "svg",
      {
        class: "timeline",
        id: "timeline",
        width,
        height,
        viewBox: "0 0 " + width + " " + height,
        role: "img",
        "aria-label":
          title + ": " + shown.length + " fire" + (shown.length === 1 ? "" : "s") + ", in " + zoneName + ".",
      },
      svg("line", { x1: pad, x2: width - pad, y1: axisY, y2: axisY, stroke: "#57606a", "stroke-width": 1.5 }),
      svg(
        "text",
        { x: pad, y: axisY + 22, "text-anchor": "middle", "font-size": 12, fill: "#1b1f24" },
        "now",
      ),
      ticks,
      markers,
    ),
    el(
      "figcaption",
      { class: "muted small" },
      shown.length
        ? title +
            ", in " +
            zoneName +
            (byCount ? "" : ": " + shown.length + (shown.length === 1 ? " fire" : " fires")) +
            ". Hover a mark for its time; the list below has them all."
        : "Nothing fires in the next 7 days; the list below has the next fires.",
    ),
  );
}
