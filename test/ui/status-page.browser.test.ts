import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalHost, type RunningLocalHost } from "../../src/host/local/local-host.js";
import { startScriptedEndpoint, type ScriptedEndpoint } from "../support/scripted-endpoint.js";
import { CHROMIUM_ARGS, findChromium } from "./find-chromium.js";

const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "artifacts");
/** A timer that never fires during the test: runs come only from the page's "Run now". */
const NEVER = "0 0 0 1 1 *";
const XSS_DESCRIPTION = `Retrain <script>window.__xss = "script"</script><img src=x onerror="window.__xss = 'img'"> nightly`;
const XSS_PARAMETER = `<img src=x onerror="window.__xss = 'parameter'">`;
const ENDPOINT_ERROR = `Pipeline <b onmouseover="window.__xss = 'error'">gone</b> was not found`;

interface ScheduleBody {
  id: string;
  status: string;
}

interface FleetSchedule {
  id: string;
  name: string;
  nextRunAt: string | null;
  lastRun: { outcome: string } | null;
}

interface RunBody {
  id: string;
  reason: string;
  status: string;
  error: string | null;
}

/** Why no Chromium could be found, once beforeAll has looked; every test then fails with it. */
let chromiumMissing: Error | undefined;

/** A test that needs the browser: it fails, with the reason, when no Chromium can be found. */
function browserTest(name: string, body: () => Promise<void>): void {
  it(name, async () => {
    if (chromiumMissing !== undefined) throw chromiumMissing;
    await body();
  });
}

describe("the status page in headless Chromium, against the local host", () => {
  let host: RunningLocalHost;
  let endpoint: ScriptedEndpoint;
  let browser: Browser;
  let folder: string;
  const ids: Record<"weekly" | "weekdays" | "files", string> = { weekly: "", weekdays: "", files: "" };
  const pageErrors: string[] = [];

  const api = async <T>(
    method: string,
    route: string,
    body?: unknown,
  ): Promise<{ status: number; json: T }> => {
    const response = await fetch(`${host.apiUrl}/${route}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }),
    });
    return { status: response.status, json: (await response.json()) as T };
  };

  const createSchedule = async (body: Record<string, unknown>): Promise<string> => {
    const { status, json } = await api<ScheduleBody>("POST", "schedules", body);
    expect(status, JSON.stringify(json)).toBe(201);
    return json.id;
  };

  const openPage = async (query = "", viewport = { width: 1280, height: 900 }): Promise<Page> => {
    const page = await browser.newPage({ viewport });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
    await page.goto(`${host.apiUrl}/ui${query}`);
    return page;
  };

  beforeAll(async () => {
    // Without Chromium every test fails with chromiumMissing's message (never skipped); nothing is started.
    let executablePath: string;
    try {
      ({ executablePath } = await findChromium());
    } catch (error) {
      chromiumMissing = error instanceof Error ? error : new Error(String(error));
      return;
    }
    await mkdir(ARTIFACTS, { recursive: true });
    folder = await mkdtemp(path.join(os.tmpdir(), "status-page-"));
    endpoint = await startScriptedEndpoint([{ status: 404, body: { error: { message: ENDPOINT_ERROR } } }]);
    // No AzureWebJobsStorage: the host embeds an Azurite of its own, so its default tables are its alone.
    host = await startLocalHost({
      port: 0,
      persist: false,
      cwd: folder,
      env: { SCHEDULER_TICK: NEVER },
      log: () => undefined,
    });
    browser = await chromium.launch({
      executablePath,
      args: CHROMIUM_ARGS,
    });
    ids.weekly = await createSchedule({
      name: "nightly-retrain",
      description: XSS_DESCRIPTION,
      experimentName: "Retrain",
      target: { pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" },
      parameterAssignments: { note: XSS_PARAMETER, epochs: 20 },
      trigger: {
        type: "recurrence",
        frequency: "Week",
        interval: 2,
        weekDays: ["Monday", "Wednesday"],
        timeOfDay: "18:30",
        timeZone: "W. Europe Standard Time",
      },
    });
    ids.weekdays = await createSchedule({
      name: "weekday-scoring",
      experimentName: "Scoring",
      target: { endpointUrl: `${endpoint.url}/submit` },
      trigger: { type: "cron", expression: "0 30 2 * * 1-5", timeZone: "Europe/London" },
    });
    ids.files = await createSchedule({
      name: "incoming-files",
      experimentName: "Ingest",
      target: { pipelineId: "11111111-2222-3333-4444-555555555555" },
      trigger: {
        type: "datastore",
        datastoreName: "workspaceblobstore",
        pathOnDatastore: "incoming",
        pollingIntervalMinutes: 5,
      },
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await endpoint?.close();
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  browserTest("serves the page with a strict Content-Security-Policy and no secret", async () => {
    const response = await fetch(`${host.apiUrl}/ui`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const policy = response.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("default-src 'none'");
    expect(policy).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    expect(policy).not.toContain("unsafe-inline");
    const html = await response.text();
    expect(html).not.toContain("AccountKey");
    expect(html).not.toContain(host.settings.AzureWebJobsStorage ?? "no storage setting");
  });

  browserTest("lists the schedules created through the API, with their triggers in plain words", async () => {
    const page = await openPage();
    const rows = page.locator("#schedules tbody tr");
    await expect.poll(() => rows.count()).toBe(3);
    const rowOf = (id: string) => page.locator(`#schedules tr[data-schedule-id="${id}"]`);
    expect(await rowOf(ids.weekly).locator('td[data-label="Trigger"]').textContent()).toBe(
      "Every 2 weeks on Monday and Wednesday at 18:30, W. Europe Standard Time",
    );
    expect(await rowOf(ids.weekdays).locator('td[data-label="Trigger"]').textContent()).toBe(
      "At 02:30 on Monday to Friday, Europe/London (cron 0 30 2 * * 1-5)",
    );
    expect(await rowOf(ids.files).locator('td[data-label="Trigger"]').textContent()).toBe(
      "When a file is added to or changed in workspaceblobstore/incoming, checked every 5 minutes",
    );
    expect(await rowOf(ids.weekly).locator('td[data-label="Next run"]').textContent()).toMatch(
      /^in (\d+ d( \d+ h)?|\d+ h( \d+ min)?|\d+ min).*W\. Europe Standard Time$/,
    );
    expect(await rowOf(ids.files).locator('td[data-label="Next run"]').textContent()).toBe(
      "when files change",
    );
    expect(await page.locator(".summary").textContent()).toContain("3 schedules: 3 active, 0 disabled.");
    await page.screenshot({ path: path.join(ARTIFACTS, "status-page-list.png"), fullPage: true });
    await page.close();
  });

  browserTest("shows untrusted description and parameter values as text, running none of them", async () => {
    const page = await openPage(`?schedule=${ids.weekly}`);
    await expect.poll(() => page.locator("#description").count()).toBe(1);
    expect(await page.locator("#description").textContent()).toBe(XSS_DESCRIPTION);
    expect(await page.locator("#settings").textContent()).toContain(
      `note = ${JSON.stringify(XSS_PARAMETER)}`,
    );
    expect(await page.locator("main img, main script").count()).toBe(0);
    expect(await page.evaluate("window.__xss")).toBeUndefined();
    // Upcoming fires: those of the next 7 days on the timeline, or the next 20 when none falls within 7 days
    // (every other week of this schedule has none); 20 in the list.
    const { json: next } = await api<{ value: { at: string }[] }>(
      "GET",
      `schedules/${ids.weekly}/next?count=20`,
    );
    const weekAhead = Date.now() + 7 * 86_400_000;
    const within = next.value.filter((fire) => new Date(fire.at).getTime() <= weekAhead).length;
    expect(await page.locator("#timeline g.fire").count()).toBe(within === 0 ? 20 : within);
    expect(await page.locator("#fires li").count()).toBe(20);
    expect(await page.locator("#fires li").first().textContent()).toMatch(
      /^(Mon|Wed), \d+ \w+ \d{4}, 18:30 in /,
    );
    await page.screenshot({ path: path.join(ARTIFACTS, "status-page-schedule.png"), fullPage: true });
    await page.close();
  });

  browserTest(
    "runs a schedule now from the page and shows the failed run with the endpoint's error",
    async () => {
      const page = await openPage(`?schedule=${ids.weekdays}`);
      // Monday to Friday at 02:30: any 7 days ahead hold exactly 5 fires.
      await expect.poll(() => page.locator("#timeline g.fire").count()).toBe(5);
      await page.locator("#run-now").click();
      await expect
        .poll(() => page.locator("#notice").textContent())
        .toMatch(/^Run [\w-]+ of weekday-scoring is queued \(Pending\)\.$/);
      await expect
        .poll(
          async () => (await api<{ value: RunBody[] }>("GET", `schedules/${ids.weekdays}/runs`)).json.value,
          {
            timeout: 20_000,
          },
        )
        .toEqual([expect.objectContaining({ reason: "manual", status: "Failed" })]);
      const errorCell = page.locator('#runs td[data-label="Error"]');
      await expect.poll(() => errorCell.textContent(), { timeout: 15_000 }).toContain(ENDPOINT_ERROR);
      expect(await page.locator('#runs td[data-label="Outcome"]').textContent()).toBe("Failed HTTP 404");
      // A submission that failed never ran: no duration, and no pipeline run to link to.
      expect(await page.locator('#runs td[data-label="Duration"]').textContent()).toBe("—");
      expect(await page.locator('#runs td[data-label="Pipeline run"]').textContent()).toBe("—");
      expect(await page.locator("main b").count()).toBe(0);
      await page.screenshot({ path: path.join(ARTIFACTS, "status-page-runs.png"), fullPage: true });
      expect(await page.evaluate("window.__xss")).toBeUndefined();
      await page.close();
    },
  );

  browserTest("disables and enables a schedule from the page, using the keyboard", async () => {
    const page = await openPage();
    await page.locator(`#open-${ids.files}`).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("h1").textContent()).toBe("incoming-files Active");
    await page.locator("#toggle-status").focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#notice").textContent()).toBe("incoming-files is disabled.");
    expect((await api<ScheduleBody>("GET", `schedules/${ids.files}`)).json.status).toBe("Disabled");
    // Focus stays on the button, which now enables.
    await expect.poll(() => page.locator(":focus").textContent()).toBe("Enable");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#notice").textContent()).toBe("incoming-files is enabled.");
    expect((await api<ScheduleBody>("GET", `schedules/${ids.files}`)).json.status).toBe("Active");
    await page.close();
  });

  browserTest(
    "takes a function key from ?code= once, drops it from the address, and sends it as x-functions-key",
    async () => {
      const page = await browser.newPage();
      const keys: (string | undefined)[] = [];
      page.on("request", (request) => {
        if (request.url().includes("/api/schedules")) keys.push(request.headers()["x-functions-key"]);
      });
      await page.goto(`${host.apiUrl}/ui?code=test-key-123`);
      await expect.poll(() => page.locator("#schedules tbody tr").count()).toBe(3);
      expect(new URL(page.url()).search).toBe("");
      expect(keys.length).toBeGreaterThan(0);
      expect(new Set(keys)).toEqual(new Set(["test-key-123"]));
      expect(await page.content()).not.toContain("test-key-123");
      await page.close();
    },
  );

  browserTest("is readable on a phone", async () => {
    const page = await openPage("", { width: 390, height: 844 });
    await expect.poll(() => page.locator("#schedules tbody tr").count()).toBe(3);
    const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "status-page-phone.png"), fullPage: true });
    await page.close();
    for (const name of ["list", "schedule", "runs", "phone"].map((view) => `status-page-${view}.png`)) {
      expect((await stat(path.join(ARTIFACTS, name))).size).toBeGreaterThan(10_000);
    }
    expect(pageErrors).toEqual([]);
  });

  browserTest(
    "shows the fleet: failed schedules first, then by next fire, runs coloured by outcome, fires ahead",
    async () => {
      const sandboxTarget = { endpointUrl: `${host.apiUrl}/sandbox/pipelines/demo/submit` };
      const hourly = await createSchedule({
        name: "hourly-export",
        experimentName: "Export",
        target: sandboxTarget,
        trigger: { type: "cron", expression: "0 0 * * * *" },
      });
      // A simple recurrence without startTime runs once at creation (CONTRACT 2.1), then every minute.
      const minutely = await createSchedule({
        name: "minutely-probe",
        experimentName: "Probe",
        target: sandboxTarget,
        trigger: { type: "recurrence", frequency: "Minute", interval: 1 },
      });
      expect((await api<RunBody>("POST", `schedules/${hourly}/trigger`, {})).status).toBe(202);
      for (const id of [hourly, minutely]) {
        await expect
          .poll(
            async () =>
              (await api<{ value: RunBody[] }>("GET", `schedules/${id}/runs`)).json.value[0]?.status,
            {
              timeout: 20_000,
            },
          )
          .toBe("Submitted");
      }

      // The order the contract's words give, computed from the API: failed last runs first, then by next fire.
      const { json: list } = await api<{ value: FleetSchedule[] }>("GET", "schedules");
      const failed = (schedule: FleetSchedule) => (schedule.lastRun?.outcome === "Failed" ? 0 : 1);
      const expected = [...list.value]
        .sort(
          (left, right) =>
            failed(left) - failed(right) ||
            // No next fire sorts last; ISO instants of one format compare as strings.
            Number(left.nextRunAt === null) - Number(right.nextRunAt === null) ||
            (left.nextRunAt ?? "").localeCompare(right.nextRunAt ?? "", "en") ||
            left.name.localeCompare(right.name),
        )
        .map((schedule) => schedule.id);
      expect(expected[0]).toBe(ids.weekdays);
      expect(expected.at(-1)).toBe(ids.files);

      const page = await openPage();
      const lanes = page.locator("#fleet-lanes > li");
      await expect.poll(() => lanes.count()).toBe(5);
      const laneIds: (string | null)[] = [];
      for (const item of await lanes.all()) laneIds.push(await item.getAttribute("data-schedule-id"));
      expect(laneIds).toEqual(expected);
      const lane = (id: string) => page.locator(`#fleet-lanes > li[data-schedule-id="${id}"]`);
      expect(await lane(ids.weekdays).getAttribute("class")).toContain("failed");

      const colourOf = (locator: ReturnType<Page["locator"]>, property: "fill" | "stroke") =>
        // Runs in the page; the test is compiled without the DOM types, hence the cast.
        locator.evaluate(
          (node, name) =>
            (
              globalThis as unknown as {
                getComputedStyle(node: unknown): { getPropertyValue(name: string): string };
              }
            )
              .getComputedStyle(node)
              .getPropertyValue(name),
          property,
        );
      const failedRun = lane(ids.weekdays).locator("rect.run");
      expect(await failedRun.count()).toBe(1);
      expect(await failedRun.getAttribute("class")).toBe("run outcome-Failed");
      expect(await colourOf(failedRun, "fill")).toBe("rgb(207, 34, 46)");
      const submittedRun = lane(hourly).locator("rect.run");
      expect(await submittedRun.count()).toBe(1);
      expect(await colourOf(submittedRun, "fill")).toBe("rgb(27, 124, 131)");
      expect(await colourOf(lane(ids.weekly).locator("rect.past"), "fill")).toBe("rgb(246, 248, 250)");

      // Next 24 hours: the hourly schedule fires 24 or 25 times; the minutely one more than /next gives.
      expect(await lane(hourly).locator("line.fire").count()).toBeGreaterThanOrEqual(24);
      expect(await lane(hourly).locator("line.fire").count()).toBeLessThanOrEqual(25);
      expect(await colourOf(lane(hourly).locator("line.fire").first(), "stroke")).toBe("rgb(31, 111, 235)");
      expect(await lane(minutely).locator("rect.fires-more").count()).toBe(1);
      expect(await lane(ids.files).locator("text.lane-note").textContent()).toBe("fires when files change");
      await page.screenshot({ path: path.join(ARTIFACTS, "status-page-fleet-24h.png"), fullPage: true });

      // Next 7 days: Monday to Friday at 02:30, five fires whatever the day; the choice stays in the address.
      await page.locator("#fleet-span-7d").click();
      await expect.poll(() => page.locator("#fleet-span-7d").getAttribute("aria-pressed")).toBe("true");
      expect(await page.locator("#fleet-span-24h").getAttribute("aria-pressed")).toBe("false");
      expect(new URL(page.url()).searchParams.get("span")).toBe("7d");
      expect(await lane(ids.weekdays).locator("line.fire").count()).toBe(5);
      await expect
        .poll(() => page.evaluate("document.activeElement && document.activeElement.id"))
        .toBe("fleet-span-7d");
      await page.screenshot({ path: path.join(ARTIFACTS, "status-page-fleet-7d.png"), fullPage: true });
      await page.close();

      const phone = await openPage("?span=7d", { width: 390, height: 844 });
      await expect.poll(() => phone.locator("#fleet-lanes > li").count()).toBe(5);
      expect(
        await phone.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
      ).toBeLessThanOrEqual(0);
      await phone.screenshot({ path: path.join(ARTIFACTS, "status-page-fleet-phone.png"), fullPage: true });
      await phone.close();
      expect(pageErrors).toEqual([]);
    },
  );
});
