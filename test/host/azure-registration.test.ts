import { readFile } from "node:fs/promises";
import path from "node:path";
import type {
  HttpFunctionOptions,
  StorageQueueFunctionOptions,
  TimerFunctionOptions,
} from "@azure/functions";
import ts from "typescript";
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerTriggers, type FunctionsApp } from "../../src/host/azure-registration.js";
import type { TriggerSpec } from "../../src/host/trigger-list.js";
import { SettingsError } from "../../src/settings/settings.js";
import { allTriggers } from "../../src/host/triggers.js";

type Registration =
  | { method: "http"; name: string; options: HttpFunctionOptions }
  | { method: "timer"; name: string; options: TimerFunctionOptions }
  | { method: "storageQueue"; name: string; options: StorageQueueFunctionOptions };

/** Records what would be registered with Azure Functions. */
function recordingApp(): FunctionsApp & { registrations: Registration[] } {
  const registrations: Registration[] = [];
  return {
    registrations,
    http: (name, options) => registrations.push({ method: "http", name, options }),
    timer: (name, options) => registrations.push({ method: "timer", name, options }),
    storageQueue: (name, options) => registrations.push({ method: "storageQueue", name, options }),
  };
}

const noServices = () => Promise.reject(new Error("no services in this test"));

describe("registerTriggers", () => {
  it("maps each kind of spec to one registration with Azure's options", () => {
    const httpHandler = () => ({ status: 204 });
    const timerHandler = () => {};
    const queueHandler = () => {};
    const specs: TriggerSpec[] = [
      { kind: "http", name: "listSchedules", route: "schedules", methods: ["GET"], handler: httpHandler },
      { kind: "timer", name: "schedulerTick", scheduleSetting: "SCHEDULER_TICK", handler: timerHandler },
      { kind: "queue", name: "submitRun", queueName: "run-submissions", handler: queueHandler },
    ];
    const app = recordingApp();
    registerTriggers(app, specs);
    expect(app.registrations).toEqual([
      {
        method: "http",
        name: "listSchedules",
        options: { authLevel: "function", route: "schedules", methods: ["GET"], handler: httpHandler },
      },
      {
        method: "timer",
        name: "schedulerTick",
        options: { schedule: "%SCHEDULER_TICK%", handler: timerHandler },
      },
      {
        method: "storageQueue",
        name: "submitRun",
        options: { queueName: "run-submissions", connection: "AzureWebJobsStorage", handler: queueHandler },
      },
    ]);
  });

  it("refuses two specs with one name", () => {
    const handler = () => ({ status: 204 });
    const specs: TriggerSpec[] = [
      { kind: "http", name: "same", route: "a", methods: ["GET"], handler },
      { kind: "http", name: "same", route: "b", methods: ["GET"], handler },
    ];
    expect(() => registerTriggers(recordingApp(), specs)).toThrow(/Two triggers are named "same"/);
  });

  it("registers every spec of the one trigger list exactly once, every data route with function keys", () => {
    const specs = allTriggers(noServices);
    const app = recordingApp();
    registerTriggers(app, specs);
    expect(specs.length).toBeGreaterThan(0);
    expect(app.registrations.map((registration) => registration.name)).toEqual(
      specs.map((spec) => spec.name),
    );
    for (const [index, spec] of specs.entries()) {
      const registration = app.registrations[index];
      expect(registration?.method).toBe({ http: "http", timer: "timer", queue: "storageQueue" }[spec.kind]);
      expect(registration?.options.handler).toBe(spec.handler);
      if (registration?.method === "http") {
        // Only the status page's shell (no data, no secret) is anonymous.
        expect(registration.options.authLevel).toBe(spec.name === "ui" ? "anonymous" : "function");
      }
    }
    const health = app.registrations.find(
      (registration) => registration.method === "http" && registration.options.route === "health",
    );
    expect(health).toBeDefined();
  });
});

/** package.json `main` uses `*` only (no `**`), matching within one folder, as the Functions host reads it. */
function singleFolderGlob(pattern: string): RegExp {
  const escaped = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join("[^/]*")}$`);
}

describe("package.json main", () => {
  it("matches the compiled files of functions/ and nothing else the build emits", async () => {
    const packageJson = JSON.parse(await readFile("package.json", "utf8")) as { main: string };
    expect(packageJson.main).not.toContain("**");
    const mainGlob = singleFolderGlob(packageJson.main);
    const config = ts.getParsedCommandLineOfConfigFile(
      "tsconfig.build.json",
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) =>
          expect.fail(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")),
      },
    );
    if (config === undefined) throw new Error("tsconfig.build.json could not be read");
    const compiled = (source: string) =>
      ts
        .getOutputFileNames(config, source, false)
        .filter((output) => output.endsWith(".js"))
        .map((output) => path.relative(process.cwd(), output).split(path.sep).join("/"));
    const functionSources = config.fileNames.filter((file) =>
      path.relative(process.cwd(), file).startsWith("functions"),
    );
    expect(functionSources.map((file) => path.basename(file))).toContain("index.ts");
    for (const source of config.fileNames) {
      const isFunctionsEntry = functionSources.includes(source);
      for (const output of compiled(source)) expect(mainGlob.test(output), output).toBe(isFunctionsEntry);
    }
  });
});

describe("functions/index.ts", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("stops the app at load with a message naming a malformed setting", async () => {
    vi.resetModules();
    vi.stubEnv("AzureWebJobsStorage", "UseDevelopmentStorage=true");
    vi.stubEnv("SCHEDULER_TICK", "every minute");
    const loading = import("../../functions/index.js");
    // After resetModules the module has its own copy of the class, so compare by name.
    await expect(loading).rejects.toMatchObject({ name: SettingsError.name });
    await expect(loading).rejects.toThrow(/SCHEDULER_TICK must be a six-field NCRONTAB/);
  });

  it("loads with valid settings and registers through @azure/functions' app", async () => {
    vi.resetModules();
    vi.stubEnv("AzureWebJobsStorage", "UseDevelopmentStorage=true");
    vi.stubEnv("SCHEDULER_TICK", "0 * * * * *");
    const { app } = await import("@azure/functions");
    const http = vi.spyOn(app, "http").mockImplementation(() => {});
    await import("../../functions/index.js");
    expect(http.mock.calls.map(([name]) => name)).toEqual(
      allTriggers(noServices)
        .filter((spec) => spec.kind === "http")
        .map((spec) => spec.name),
    );
  });
});
