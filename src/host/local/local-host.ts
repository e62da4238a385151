import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadSettings, type Settings } from "../../settings/settings.js";
import { storageAccessFromSettings } from "../../state/storage-clients.js";
import { createServices } from "../create-services.js";
import {
  resolvedQueueName,
  type HttpTriggerSpec,
  type QueueTriggerSpec,
  type TimerTriggerSpec,
} from "../trigger-list.js";
import { allTriggers, memoizeServices } from "../triggers.js";
import { registerLocalDatastore } from "../../datastore/local-datastore.js";
import { DevClock } from "./dev-clock.js";
import { startBlobEventBridge } from "./blob-event-bridge.js";
import { devTriggers } from "./dev-routes.js";
import { freePort, startEmbeddedAzurite } from "./embedded-azurite.js";
import { lockFolder } from "./folder-lock.js";
import { NotificationSandbox } from "./notification-sandbox.js";
import { PipelineSandbox, sandboxWorkspaceSettings } from "./sandbox.js";
import { V2Sandbox } from "./sandbox-v2.js";
import { startLocalHttpServer } from "./http-server.js";
import { chooseLocalStorage, DEVELOPMENT_STORAGE, readLocalSettingsValues } from "./local-settings-file.js";
import { loadQueueHostOptions, startQueueRunner } from "./queue-runner.js";
import { startTimerRunner } from "./timer-runner.js";

export interface LocalHostOptions {
  port: number;
  /** Keep the embedded Azurite's data in `<cwd>/.azurite/`. */
  persist: boolean;
  /** Where `local.settings.json` is read and `.azurite/` kept. */
  cwd: string;
  env: Record<string, string | undefined>;
  log: (line: string) => void;
}

export interface RunningLocalHost {
  apiUrl: string;
  /** The local pipeline endpoint and what it received. */
  sandbox: PipelineSandbox;
  /** The local Azure ML v2 (Resource Manager and batch endpoints) and the jobs it received. */
  v2Sandbox: V2Sandbox;
  /** The embedded Azurite's connection string (its well-known development key), to upload with; else undefined. */
  embeddedStorageConnectionString: string | undefined;
  /** The local notification receiver and what it received. */
  notificationSandbox: NotificationSandbox;
  openApiUrl: string;
  /** Which storage the host uses, in words, for the start-up message. */
  storageDescription: string;
  settings: Settings;
  /** The timer and queue triggers the host runs, in words. */
  timerDescriptions: string[];
  queueDescriptions: string[];
  /** Stops everything the host started (HTTP server, timers, queue workers, Azurite), newest first. */
  stop(): Promise<void>;
}

/**
 * Runs the service on this machine (CONTRACT 5): the same trigger list as the Azure Functions app, its HTTP
 * routes on 127.0.0.1, its timers and queue workers, and an embedded Azurite unless storage is configured.
 * Throws SettingsError, before starting anything, when a setting is missing or malformed, and FolderInUseError
 * when another local host persists into the same `.azurite/`.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<RunningLocalHost> {
  const fileValues = await readLocalSettingsValues(options.cwd);
  // The environment wins over local.settings.json, as with func.
  const values = { ...fileValues, ...options.env };
  const storage = chooseLocalStorage(options.env, fileValues);
  // The port is needed before the server listens: the sandbox's URL goes into the workspace settings.
  const port = options.port === 0 ? await freePort() : options.port;
  const apiUrl = `http://127.0.0.1:${port}/api`;
  const withSandbox = usesWorkspace(values) ? values : { ...values, ...sandboxWorkspaceSettings(apiUrl) };
  const checkedSettings = loadSettings(
    storage.kind === "embedded" ? { ...withSandbox, AzureWebJobsStorage: DEVELOPMENT_STORAGE } : withSandbox,
  );
  const queueHostOptions = await loadQueueHostOptions(appFile("host.json"));

  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    const failures: unknown[] = [];
    for (const stopOne of stops.splice(0).reverse()) {
      try {
        await stopOne();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0)
      throw new AggregateError(failures, "Some parts of the local host did not stop cleanly");
  };
  try {
    let settings = checkedSettings;
    let embeddedStorageConnectionString: string | undefined;
    let storageDescription = `AzureWebJobsStorage from ${storage.kind === "configured" ? storage.source : "settings"}`;
    if (storage.kind === "embedded") {
      const location = options.persist ? path.join(options.cwd, ".azurite") : undefined;
      if (location !== undefined) await mkdir(location, { recursive: true });
      // One host per folder (issue 11.5): taken before Azurite starts, released after it stopped.
      const lock = location === undefined ? undefined : await lockFolder(location);
      if (lock !== undefined) stops.push(() => lock.release());
      const azurite = await startEmbeddedAzurite(location === undefined ? {} : { location });
      stops.push(() => azurite.stop());
      await lock?.addProcess(azurite.pid);
      settings = { ...checkedSettings, AzureWebJobsStorage: azurite.connectionString };
      embeddedStorageConnectionString = azurite.connectionString;
      storageDescription =
        location === undefined
          ? `embedded Azurite in memory (blob ${azurite.ports.blob}, queue ${azurite.ports.queue}, table ${azurite.ports.table}); --persist keeps data in .azurite/`
          : `embedded Azurite persisted in ${location} (blob ${azurite.ports.blob}, queue ${azurite.ports.queue}, table ${azurite.ports.table})`;
    }

    const getServices = memoizeServices(() =>
      createServices(settings, {
        allowLoopbackEndpoints: true,
        allowLocalDatastore: true,
        log: options.log,
        appSettings: values,
      }),
    );
    // The sandbox's runs take their time on the clock /dev/tick moves (CONTRACT 5).
    const devClock = new DevClock();
    const sandbox = new PipelineSandbox({ clock: devClock.now });
    const v2Sandbox = new V2Sandbox(apiUrl, {
      subscriptionId: settings.AML_SUBSCRIPTION_ID ?? "",
      resourceGroup: settings.AML_RESOURCE_GROUP ?? "",
      workspaceName: settings.AML_WORKSPACE_NAME ?? "",
    });
    const notificationSandbox = new NotificationSandbox();
    // Build the services now, so that unreachable storage stops the start instead of the first request.
    const services = await getServices();
    const triggers = allTriggers(getServices);

    const storageAccess = storageAccessFromSettings(settings);
    await registerLocalDatastore(services.datastores.registry, storageAccess, settings, services.clock());
    // The Functions host resolves `%SETTING%` queue names from the app settings; so does this host.
    const queueSpecs = triggers
      .filter((spec): spec is QueueTriggerSpec => spec.kind === "queue")
      .map((spec) => ({ ...spec, queueName: resolvedQueueName(spec.queueName, settings) }));
    const timerSpecs = triggers.filter((spec): spec is TimerTriggerSpec => spec.kind === "timer");
    const queues = await startQueueRunner(queueSpecs, {
      queueClientFor: (name) => storageAccess.queueClient(name),
      hostOptions: queueHostOptions,
      log: options.log,
    });
    stops.push(() => queues.stop());
    const timers = startTimerRunner(timerSpecs, { settings, log: options.log });
    stops.push(() => timers.stop());
    // Azurite has no Event Grid: uploads to the host's own workspaceblobstore become events here (CONTRACT 5).
    const bridge = startBlobEventBridge({
      registry: services.datastores.registry,
      openContainer: (datastore) => services.datastores.openContainer(datastore),
      watches: services.datastores.eventWatches,
      queue: services.datastores.blobEventQueue,
      log: options.log,
    });
    stops.push(() => bridge.stop());
    // The sandbox and /dev routes exist only here, never in the Azure Functions app (CONTRACT 5).
    const localOnly = [
      ...sandbox.triggers(),
      ...v2Sandbox.triggers(),
      ...notificationSandbox.triggers(),
      ...devTriggers(getServices, devClock),
    ];
    const server = await startLocalHttpServer({
      port,
      host: "127.0.0.1",
      triggers: [...triggers.filter((spec): spec is HttpTriggerSpec => spec.kind === "http"), ...localOnly],
      routePrefix: "api",
      onlyThisMachine: true,
    });
    stops.push(() => server.close());

    return {
      apiUrl,
      sandbox,
      v2Sandbox,
      embeddedStorageConnectionString,
      notificationSandbox,
      openApiUrl: `${apiUrl}/openapi.json`,
      storageDescription,
      settings,
      timerDescriptions: timerSpecs.map(
        (spec) => `${spec.name} (${spec.scheduleSetting} "${settings[spec.scheduleSetting]}", UTC)`,
      ),
      queueDescriptions: queueSpecs.map((spec) => `${spec.name} (queue ${spec.queueName})`),
      stop,
    };
  } catch (error) {
    await stop().catch((stopError: unknown) =>
      options.log(`Stopping after a failed start: ${String(stopError)}`),
    );
    throw error;
  }
}

/** Whether the user named a workspace; if not, pipeline id and endpoint targets go to the sandbox. */
function usesWorkspace(values: Record<string, string | undefined>): boolean {
  const names = [
    "AML_SUBSCRIPTION_ID",
    "AML_RESOURCE_GROUP",
    "AML_WORKSPACE_NAME",
    "AML_REGION",
    "AML_PIPELINES_BASE_URL",
  ];
  return names.some((name) => (values[name] ?? "").trim() !== "");
}

/** A file of the function app (host.json), found from this module whether it runs from src/ or dist/src/. */
function appFile(name: string): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(folder, name);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error(`${name} not found above ${fileURLToPath(import.meta.url)}`);
    folder = parent;
  }
}
