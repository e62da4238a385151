import type { FireLagSummary } from "../../runs/fire-lag.js";
import type { Run } from "../../runs/run-record.js";
import { el, type Child } from "./dom.js";

/** A fire lag in words: "0.21 s", "1.5 s", "3 min", "2 h", "4 d"; negative when the POST left early. */
export function lagText(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  const size = Math.abs(ms);
  if (size < 10_000) return sign + (size / 1000).toFixed(2) + " s";
  if (size < 60_000) return sign + (size / 1000).toFixed(1) + " s";
  if (size < 3_600_000) return sign + Math.round(size / 60_000) + " min";
  if (size < 86_400_000) return sign + Math.round(size / 3_600_000) + " h";
  return sign + Math.round(size / 86_400_000) + " d";
}

/** GET /schedules/{id}/lag as a line of the schedule's view. */
export function fireLagLine(summary: FireLagSummary): HTMLParagraphElement {
  const text =
    summary.runs === 0 || summary.medianMs === null || summary.p99Ms === null
      ? el("span", { class: "muted" }, "no run has been sent for an occurrence yet.")
      : "median " +
        lagText(summary.medianMs) +
        ", 99th percentile " +
        lagText(summary.p99Ms) +
        " (first POST after the scheduled instant, over the last " +
        summary.runs +
        (summary.runs === 1 ? " scheduled run)" : " scheduled runs)");
  return el("p", { id: "fire-lag" }, el("strong", {}, "Fire lag: "), text);
}

/** A run's own fire lag, for its row of the run history; nothing for runs without one. */
export function runLag(run: Run): Child {
  if (run.fireLagMs === null) return null;
  const words =
    run.fireLagMs < 0 ? lagText(-run.fireLagMs) + " early" : lagText(run.fireLagMs) + " after its time";
  return [el("br"), el("span", { class: "muted small lag" }, "sent " + words)];
}
