/**
 * The status page's script (plain browser JavaScript, no framework), over the JSON API. Every text that comes
 * from the API goes into the page through text nodes and attribute values, never as markup, so names,
 * descriptions and parameter values are shown as typed. It is kept as text because the project compiles for
 * Node without the DOM library; the browser test in test/ui runs it. No backticks and no dollar-brace inside.
 */
export const STATUS_PAGE_SCRIPT = String.raw`
"use strict";
(() => {
  const KEY_STORAGE = "aml-pipeline-scheduler.functions-key";
  const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
  const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const MINUTE = 60000;
  const DAY = 1440 * MINUTE;
  const TIMELINE_FIRES = 20;
  const TIMELINE_SPAN = 7 * DAY;
  const RUNS_PER_PAGE = 25;
  const config = JSON.parse(document.getElementById("page-config").textContent);
  const main = document.getElementById("main");
  const notice = document.getElementById("notice");
  const apiBase = new URL("./", location.href);

  // Azure Functions URLs carry the key as ?code=; keep it for this tab only and take it out of the address bar.
  const startParams = new URLSearchParams(location.search);
  if (startParams.has("code")) {
    storeKey(startParams.get("code"));
    startParams.delete("code");
    history.replaceState(null, "", pageUrl(startParams));
  }

  function pageUrl(params) {
    const query = params.toString();
    return location.pathname + (query ? "?" + query : "");
  }

  function storeKey(key) {
    try {
      if (key) sessionStorage.setItem(KEY_STORAGE, key);
      else sessionStorage.removeItem(KEY_STORAGE);
    } catch (error) {
      say("The browser does not keep the key for this session: " + error.message, true);
    }
  }

  function storedKey() {
    try {
      return sessionStorage.getItem(KEY_STORAGE);
    } catch {
      return null;
    }
  }

  class KeyNeeded extends Error {
    constructor(status) {
      super("The API answered " + status + ": a function key is needed, or a different one.");
      this.status = status;
    }
  }

  async function api(path, method) {
    const headers = { Accept: "application/json" };
    const key = storedKey();
    if (key) headers["x-functions-key"] = key;
    const response = await fetch(new URL(path, apiBase), {
      method: method || "GET",
      headers,
      credentials: "same-origin",
      cache: "no-store",
    });
    if (response.status === 401 || response.status === 403) throw new KeyNeeded(response.status);
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!response.ok) {
      const detail = body && (body.detail || body.title);
      throw new Error(response.status + " " + (detail || text || response.statusText));
    }
    return body;
  }

  function el(tag, attributes, ...children) {
    return build(document.createElement(tag), attributes, children);
  }

  function svg(tag, attributes, ...children) {
    return build(document.createElementNS("http://www.w3.org/2000/svg", tag), attributes, children);
  }

  function build(node, attributes, children) {
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "onclick") node.addEventListener("click", value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function say(message, isError) {
    notice.className = isError ? "error" : "";
    notice.textContent = message;
  }

  // Times are shown in the schedule's zone; Windows ids are mapped to the IANA names browsers know.
  const zoneCache = new Map();
  function zoneOf(name) {
    const given = name || "UTC";
    if (zoneCache.has(given)) return zoneCache.get(given);
    const iana = config.ianaZoneByWindowsId[given.toLowerCase()] || given;
    let zone;
    try {
      zone = {
        label: given,
        text: new Intl.DateTimeFormat("en-GB", {
          timeZone: iana,
          weekday: "short",
          day: "numeric",
          month: "short",
          year: "numeric",
          hour: "2-digit",
          minute: "2-digit",
          hourCycle: "h23",
        }),
        parts: new Intl.DateTimeFormat("en-US", {
          timeZone: iana,
          year: "numeric",
          month: "numeric",
          day: "numeric",
          hour: "numeric",
          minute: "numeric",
          second: "numeric",
          hourCycle: "h23",
        }),
      };
    } catch {
      zone = zoneOf("UTC");
    }
    zoneCache.set(given, zone);
    return zone;
  }

  function inZone(iso, zoneName) {
    return zoneOf(zoneName).text.format(new Date(iso));
  }

  /** The zone's wall clock at an instant, as milliseconds of a UTC date. */
  function wallOf(instant, zone) {
    const parts = {};
    for (const part of zone.parts.formatToParts(new Date(instant))) parts[part.type] = Number(part.value);
    return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  }

  function relative(iso, now) {
    const difference = new Date(iso).getTime() - now;
    const minutes = Math.floor(Math.abs(difference) / MINUTE);
    if (minutes < 1) return difference >= 0 ? "in less than a minute" : "just now";
    let text;
    if (minutes < 60) text = minutes + " min";
    else if (minutes < 1440) {
      text = Math.floor(minutes / 60) + " h" + (minutes % 60 ? " " + (minutes % 60) + " min" : "");
    } else {
      const hours = Math.floor((minutes % 1440) / 60);
      text = Math.floor(minutes / 1440) + " d" + (hours ? " " + hours + " h" : "");
    }
    return difference >= 0 ? "in " + text : text + " ago";
  }

  function shorten(text, length) {
    return text.length > length ? text.slice(0, length - 1) + "…" : text;
  }

  function badge(text) {
    return el("span", { class: "badge " + text }, text);
  }

  function zoneNameOf(schedule) {
    return schedule.trigger.type === "datastore" ? "UTC" : schedule.trigger.timeZone || "UTC";
  }

  function scheduleHref(id) {
    return "?" + new URLSearchParams({ schedule: id }).toString();
  }

  /** The ml.azure.com wsid of a run: from an endpointUrl target's path, else from the workspace settings. */
  function workspaceIdOf(schedule) {
    const endpointUrl = schedule && schedule.target && schedule.target.endpointUrl;
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
    return match ? "/subscriptions/" + match[1] + "/resourcegroups/" + match[2] + "/workspaces/" + match[3] : null;
  }

  function pipelineRunCell(schedule, runId) {
    if (!runId) return "—";
    const workspaceId = workspaceIdOf(schedule);
    if (!workspaceId) return el("code", {}, runId);
    const href = "https://ml.azure.com/runs/" + encodeURIComponent(runId) + "?wsid=" + workspaceId;
    return el(
      "a",
      { href, target: "_blank", rel: "noopener noreferrer", title: "Open the run in Azure ML studio" },
      el("code", {}, runId),
    );
  }

  async function allSchedules() {
    const schedules = [];
    let next = "schedules?top=1000";
    for (let page = 0; next && page < 20; page++) {
      const body = await api(next);
      schedules.push(...body.value);
      next = body.nextLink;
    }
    return schedules;
  }

  // The list: what fires next first, then the schedules that will not fire, by name.
  function byNextRun(left, right) {
    if (left.nextRunAt && right.nextRunAt) return left.nextRunAt < right.nextRunAt ? -1 : 1;
    if (left.nextRunAt || right.nextRunAt) return left.nextRunAt ? -1 : 1;
    return left.name.localeCompare(right.name);
  }

  function nextRunCell(schedule, now) {
    if (schedule.nextRunAt) {
      return [
        el("strong", { class: "when" }, relative(schedule.nextRunAt, now)),
        el("br"),
        el("span", { class: "muted small" }, inZone(schedule.nextRunAt, zoneNameOf(schedule)) + ", " + zoneNameOf(schedule)),
      ];
    }
    if (schedule.status === "Disabled") return el("span", { class: "muted" }, "none: disabled");
    if (schedule.trigger.type === "datastore") return el("span", { class: "muted" }, "when files change");
    return el("span", { class: "muted" }, "none: no more occurrences");
  }

  function lastRunCell(schedule, now) {
    const run = schedule.lastRun;
    if (!run) return el("span", { class: "muted" }, "never run");
    return [
      badge(run.status),
      " ",
      el("span", { class: "when" }, relative(run.createdAt, now)),
      el("span", { class: "muted small" }, " (" + run.reason + ")"),
      run.error ? [el("br"), el("span", { class: "error-text small", title: run.error }, shorten(run.error, 160))] : null,
    ];
  }

  function summary(schedules, now) {
    const active = schedules.filter((schedule) => schedule.status === "Active").length;
    const failed = schedules.filter((schedule) => schedule.lastRun && schedule.lastRun.status === "Failed");
    const next = schedules.find((schedule) => schedule.nextRunAt);
    return el(
      "div",
      { class: "summary" },
      el(
        "p",
        {},
        schedules.length + (schedules.length === 1 ? " schedule" : " schedules") + ": " + active + " active, " +
          (schedules.length - active) + " disabled.",
      ),
      next
        ? el("p", {}, "Next to fire: ", el("strong", {}, next.name), " " + relative(next.nextRunAt, now) + ".")
        : el("p", {}, "Nothing is due to fire at a known time."),
      failed.length
        ? el(
            "p",
            { class: "error-text" },
            "Last run failed: ",
            failed.map((schedule, index) => [index ? ", " : "", el("a", { href: scheduleHref(schedule.id), "data-nav": true }, schedule.name)]),
            ".",
          )
        : el("p", {}, "No schedule's last run failed."),
    );
  }

  function cell(label, ...content) {
    // One wrapper, so that on a phone the cell is two grid items: its label and its content.
    return el("td", { "data-label": label }, el("div", {}, ...content));
  }

  async function showList() {
    const schedules = (await allSchedules()).sort(byNextRun);
    const now = Date.now();
    document.title = "Pipeline schedules";
    const rows = schedules.map((schedule) =>
      el(
        "tr",
        { "data-schedule-id": schedule.id },
        cell(
          "Schedule",
          el("a", { href: scheduleHref(schedule.id), "data-nav": true, id: "open-" + schedule.id }, schedule.name),
          schedule.description ? [el("br"), el("span", { class: "muted small" }, shorten(schedule.description, 120))] : null,
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
      schedules.length
        ? el(
            "table",
            { class: "cards", id: "schedules" },
            el("thead", {}, el("tr", {}, ["Schedule", "Status", "Trigger", "Next run", "Last run"].map((name) => el("th", { scope: "col" }, name)))),
            el("tbody", {}, rows),
          )
        : el("p", {}, "No schedules yet. Create one with POST /api/schedules; /api/openapi.json describes the API."),
    ];
  }

  function describeTarget(target) {
    if (target.pipelineId) return "Published pipeline " + target.pipelineId;
    const version = target.pipelineVersion ? ", version " + target.pipelineVersion : ", default version";
    if (target.pipelineEndpointId) return "Pipeline endpoint " + target.pipelineEndpointId + version;
    if (target.pipelineEndpointName) return "Pipeline endpoint named " + target.pipelineEndpointName + version;
    return "Endpoint URL " + target.endpointUrl;
  }

  const CATCH_UP = {
    latest: "latest: after an outage, fire once for the most recent missed occurrence",
    none: "none: skip missed occurrences",
    all: "all: fire missed occurrences, oldest first",
  };

  function settingsList(schedule) {
    const zone = zoneNameOf(schedule);
    const parameters = Object.entries(schedule.parameterAssignments);
    const dataPaths = Object.entries(schedule.dataPathAssignments);
    const policy = schedule.policy;
    const item = (term, ...details) => [el("dt", {}, term), el("dd", {}, ...details)];
    return el(
      "dl",
      { class: "settings", id: "settings" },
      item(
        "Trigger",
        schedule.triggerDescription,
        el("details", {}, el("summary", {}, "As JSON"), el("pre", {}, JSON.stringify(schedule.trigger, null, 2))),
      ),
      item("Description", schedule.description || el("span", { class: "muted" }, "none")),
      item("Target", describeTarget(schedule.target)),
      item("Experiment", schedule.experimentName),
      item(
        "Parameters",
        parameters.length
          ? el("ul", {}, parameters.map(([name, value]) => el("li", {}, el("code", {}, name), " = ", el("code", {}, JSON.stringify(value)))))
          : el("span", { class: "muted" }, "none"),
      ),
      item(
        "Data paths",
        dataPaths.length
          ? el("ul", {}, dataPaths.map(([name, path]) => el("li", {}, el("code", {}, name), " = " + path.dataStoreName + "/" + path.relativePath)))
          : el("span", { class: "muted" }, "none"),
      ),
      item("Continue on step failure", schedule.continueOnStepFailure ? "yes" : "no"),
      item(
        "Missed runs",
        (CATCH_UP[policy.catchUp] || policy.catchUp) + (policy.maxCatchUpRuns ? " (at most " + policy.maxCatchUpRuns + ")" : ""),
      ),
      item("Created", inZone(schedule.createdAt, zone) + ", " + zone),
      item("Updated", inZone(schedule.updatedAt, zone) + ", " + zone),
      item("Id", el("code", {}, schedule.id)),
    );
  }

  const TICK_STEPS = [1, 5, 15, 30, 60, 180, 360, 720, 1, 2, 7, 14, 28, 56, 112, 224].map(
    (value, index) => value * (index < 8 ? MINUTE : DAY),
  );
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  /**
   * The next fires on a time axis in the schedule's zone: the next 7 days, or the next 20 fires when they all
   * come sooner, or when none comes within 7 days (so the axis is never empty).
   */
  function timeline(fires, zoneName, now) {
    const zone = zoneOf(zoneName);
    const lastFetched = fires.length ? new Date(fires[fires.length - 1].at).getTime() : now;
    const weekAhead = now + TIMELINE_SPAN;
    const byCount =
      (fires.length >= TIMELINE_FIRES && lastFetched <= weekAhead) || !fires.some((fire) => new Date(fire.at).getTime() <= weekAhead);
    const end = byCount ? now + Math.max((lastFetched - now) * 1.04, MINUTE) : weekAhead;
    const shown = fires.filter((fire) => new Date(fire.at).getTime() <= end);
    const width = Math.max(280, Math.floor(main.clientWidth) - 34);
    const height = 92;
    const pad = 28;
    const axisY = 58;
    const x = (instant) => pad + ((instant - now) / (end - now)) * (width - 2 * pad);
    const step = TICK_STEPS.find((candidate) => (end - now) / candidate <= (width - 2 * pad) / 80) || TICK_STEPS[TICK_STEPS.length - 1];
    const ticks = [];
    const offsetAt = (instant) => wallOf(instant, zone) - instant;
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
        svg("text", { x: x(instant), y: axisY + 22, "text-anchor": "middle", "font-size": 12, fill: "#57606a" }, label),
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
          "aria-label": title + ": " + shown.length + " fire" + (shown.length === 1 ? "" : "s") + ", in " + zoneName + ".",
        },
        svg("line", { x1: pad, x2: width - pad, y1: axisY, y2: axisY, stroke: "#57606a", "stroke-width": 1.5 }),
        svg("text", { x: pad, y: axisY + 22, "text-anchor": "middle", "font-size": 12, fill: "#1b1f24" }, "now"),
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

  function upcoming(schedule, fires, now) {
    if (schedule.trigger.type === "datastore") {
      return el("p", {}, schedule.status === "Active" ? schedule.triggerDescription + "." : "Disabled: the folder is not checked.");
    }
    if (!fires.length) {
      return el("p", { class: "muted" }, schedule.status === "Active" ? "No more occurrences." : "Disabled: nothing will fire until it is enabled.");
    }
    const zone = zoneNameOf(schedule);
    return [
      timeline(fires, zone, now),
      el(
        "ol",
        { class: "fires", id: "fires" },
        fires.map((fire) => el("li", {}, el("span", { class: "when" }, inZone(fire.at, zone)), el("span", { class: "muted small" }, " " + relative(fire.at, now)))),
      ),
    ];
  }

  function runRow(schedule, run, now) {
    const zone = zoneNameOf(schedule);
    return el(
      "tr",
      { "data-run-id": run.id },
      cell("Created", el("span", { class: "when", title: run.createdAt }, inZone(run.createdAt, zone)), el("br"), el("span", { class: "muted small" }, relative(run.createdAt, now))),
      cell("Reason", run.reason, run.scheduledFor ? [el("br"), el("span", { class: "muted small" }, "for " + inZone(run.scheduledFor, zone))] : null),
      cell("Status", badge(run.status), run.httpStatus ? el("span", { class: "muted small" }, " HTTP " + run.httpStatus) : null),
      cell("Attempts", String(run.attempts)),
      cell("Pipeline run", pipelineRunCell(schedule, run.pipelineRunId)),
      cell("Changed blob", run.changedBlob ? el("code", {}, run.changedBlob.path) : el("span", { class: "muted" }, "—")),
      cell("Error", run.error ? el("span", { class: "error-text" }, run.error) : el("span", { class: "muted" }, "—")),
    );
  }

  function runTable(schedule, runs, nextLink, now) {
    if (!runs.length) return el("p", { class: "muted" }, "No runs yet.");
    const body = el("tbody", {}, runs.map((run) => runRow(schedule, run, now)));
    let more = nextLink;
    const moreButton = el("button", { type: "button", class: "secondary", id: "more-runs" }, "Show older runs");
    moreButton.addEventListener("click", async () => {
      moreButton.disabled = true;
      try {
        const page = await api(more);
        body.append(...page.value.map((run) => runRow(schedule, run, Date.now())));
        more = page.nextLink;
        if (!more) moreButton.remove();
      } catch (error) {
        report(error);
      } finally {
        moreButton.disabled = false;
      }
    });
    return [
      el(
        "table",
        { class: "cards", id: "runs" },
        el("thead", {}, el("tr", {}, ["Created", "Reason", "Status", "Attempts", "Pipeline run", "Changed blob", "Error"].map((name) => el("th", { scope: "col" }, name)))),
        body,
      ),
      more ? el("p", {}, moreButton) : null,
    ];
  }

  function actionButton(id, label, className, action) {
    const button = el("button", { type: "button", id, class: className }, label);
    button.addEventListener("click", async () => {
      // A disabled button loses focus; give it back to the button of the same id once the view is redrawn.
      button.disabled = true;
      try {
        say(await action());
        await render({ focusId: id });
      } catch (error) {
        button.disabled = false;
        report(error);
      }
    });
    return button;
  }

  async function showSchedule(id) {
    const path = "schedules/" + encodeURIComponent(id);
    const schedule = await api(path);
    const [next, runs] = await Promise.all([
      schedule.trigger.type === "datastore" ? { value: [] } : api(path + "/next?count=" + TIMELINE_FIRES),
      api(path + "/runs?top=" + RUNS_PER_PAGE),
    ]);
    const now = Date.now();
    document.title = schedule.name + " · Pipeline schedules";
    const toggle =
      schedule.status === "Active"
        ? actionButton("toggle-status", "Disable", "danger", async () => {
            await api(path + "/disable", "POST");
            return schedule.name + " is disabled.";
          })
        : actionButton("toggle-status", "Enable", "secondary", async () => {
            await api(path + "/enable", "POST");
            return schedule.name + " is enabled.";
          });
    const runNow = actionButton("run-now", "Run now", "", async () => {
      const run = await api(path + "/trigger", "POST");
      // The submission happens in the background; look again shortly to show how it went.
      setTimeout(() => {
        if (currentScheduleId() === id) render();
      }, 2500);
      return "Run " + run.id + " of " + schedule.name + " is queued (" + run.status + ").";
    });
    return [
      el("p", {}, el("a", { href: "?", "data-nav": true, id: "back" }, "← All schedules")),
      el("h1", {}, schedule.name, " ", badge(schedule.status)),
      schedule.description ? el("p", { id: "description" }, schedule.description) : null,
      el("p", {}, el("strong", {}, "Next run: "), nextRunCell(schedule, now)),
      el("div", { class: "actions" }, runNow, toggle),
      el("h2", {}, "Upcoming fires"),
      upcoming(schedule, next.value, now),
      el("h2", {}, "Run history"),
      runTable(schedule, runs.value, runs.nextLink, now),
      el("h2", {}, "Settings"),
      settingsList(schedule),
    ];
  }

  function keyForm(error) {
    const input = el("input", { type: "password", id: "functions-key", autocomplete: "off", required: true, "aria-describedby": "key-help" });
    const form = el("form", { class: "key" }, el("label", { for: "functions-key" }, "Function key"), input, el("button", { type: "submit" }, "Use this key"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      storeKey(input.value.trim());
      render();
    });
    return [
      el("h1", {}, "A function key is needed"),
      el(
        "p",
        { id: "key-help" },
        error.message + " Open this page as .../api/ui?code=<function key>, or enter the key here: it is kept in this tab's session only and sent with the page's API calls.",
      ),
      form,
    ];
  }

  function report(error) {
    say(error instanceof KeyNeeded ? error.message : "That did not work: " + error.message, true);
  }

  function currentScheduleId() {
    return new URLSearchParams(location.search).get("schedule");
  }

  let renderCount = 0;
  async function render(options) {
    const focusMain = options && options.focusMain;
    const ticket = ++renderCount;
    const focusedId =
      (options && options.focusId) ||
      (document.activeElement && main.contains(document.activeElement) ? document.activeElement.id : "");
    let content;
    try {
      const id = currentScheduleId();
      content = id ? await showSchedule(id) : await showList();
    } catch (error) {
      content =
        error instanceof KeyNeeded
          ? keyForm(error)
          : [el("h1", {}, "The page could not load"), el("p", { class: "error-text" }, error.message)];
    }
    if (ticket !== renderCount) return;
    main.replaceChildren(...content.flat(Infinity).filter((node) => node !== null && node !== undefined));
    const again = focusedId && document.getElementById(focusedId);
    if (again) again.focus();
    else if (focusMain) main.focus();
  }

  // Links within the page change the view without reloading it, so the key never has to be in a URL.
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[data-nav], #home-link") : null;
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    history.pushState(null, "", pageUrl(new URL(link.href).searchParams));
    say("");
    render({ focusMain: true });
  });
  window.addEventListener("popstate", () => render({ focusMain: true }));
  document.getElementById("refresh").addEventListener("click", () => render());
  setInterval(() => {
    if (document.visibilityState === "visible") render();
  }, 60000);
  let resizeTimer;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      if (currentScheduleId()) render();
    }, 300);
  });
  render();
})();
`;
