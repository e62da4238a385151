import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { createDatastoreServices } from "../datastore/datastore-services.js";
import { FOLDER_CHECK_QUEUE_NAME } from "../datastore/folder-check-queue.js";
import { localDatastoreDefinition } from "../datastore/local-datastore.js";
import { TableDeliveryStore } from "../notifications/delivery-store.js";
import { NOTIFICATION_QUEUE_NAME, StorageNotificationQueue } from "../notifications/notification-queue.js";
import { runNotifications } from "../notifications/run-notifications.js";
import { TableStatusCheckStore } from "../pipeline-runs/status-store.js";
import { RUN_QUEUE_NAME, StorageRunQueue } from "../runs/run-queue.js";
import { TableRunStore } from "../runs/table-run-store.js";
import type { Settings } from "../settings/settings.js";
import { storageAccessFromSettings } from "../state/storage-clients.js";
import { TableScheduleStore } from "../state/table-schedule-store.js";
import type { Services } from "../api/services.js";
import { runTargeting, schedulingDependencies } from "./firing-wiring.js";

/** The tables and queues that hold the service's state, named in one place. */
export const TABLE_NAMES = {
  schedules: "schedules",
  scheduleDue: "scheduledue",
  runs: "runs",
  unsettledRuns: "unsettledruns",
  statusChecks: "pipelinerunstatus",
  datastores: "datastores",
  folderCursors: "foldercursors",
  notificationDeliveries: "notifications",
} as const;
export const QUEUE_NAMES = {
  runs: RUN_QUEUE_NAME,
  runsPoison: `${RUN_QUEUE_NAME}-poison`,
  folderChecks: FOLDER_CHECK_QUEUE_NAME,
  notifications: NOTIFICATION_QUEUE_NAME,
} as const;

export interface CreateServicesOptions {
  /** Replaces real time for the handlers (tests, the local host's dev routes). */
  clock?: () => Date;
  /** Put before every table and queue name, so tests sharing one storage account do not see each other's state. */
  storagePrefix?: string;
  allowLoopbackEndpoints?: boolean;
  /** Replaces DefaultAzureCredential for AML tokens (tests). */
  credential?: TokenCredential;
  /** Where a datastore's `connectionStringSetting` is looked up at check time; default the environment. */
  appSettings?: Record<string, string | undefined>;
  /**
   * The local host only (CONTRACT 5): its own `workspaceblobstore`, on the host's storage, may be registered and
   * checked. No other datastore may read the service's own storage.
   */
  allowLocalDatastore?: boolean;
  log?: (line: string) => void;
}

/** Builds the services from the settings; creates missing tables and queues, so it is safe at every start. */
export async function createServices(
  settings: Settings,
  options: CreateServicesOptions = {},
): Promise<Services> {
  const storage = storageAccessFromSettings(settings);
  const prefix = options.storagePrefix ?? "";
  const schedules = new TableScheduleStore(
    storage.tableClient(`${prefix}${TABLE_NAMES.schedules}`),
    storage.tableClient(`${prefix}${TABLE_NAMES.scheduleDue}`),
  );
  const runs = new TableRunStore(
    storage.tableClient(`${prefix}${TABLE_NAMES.runs}`),
    storage.tableClient(`${prefix}${TABLE_NAMES.unsettledRuns}`),
  );
  // Queue names allow only lowercase letters, digits and dashes.
  const queuePrefix = prefix ? `${prefix.toLowerCase()}-` : "";
  const runQueue = new StorageRunQueue(
    storage.queueClient(`${queuePrefix}${QUEUE_NAMES.runs}`),
    storage.queueClient(`${queuePrefix}${QUEUE_NAMES.runsPoison}`),
  );
  const statusChecks = new TableStatusCheckStore(storage.tableClient(`${prefix}${TABLE_NAMES.statusChecks}`));
  const notificationQueue = new StorageNotificationQueue(
    storage.queueClient(`${queuePrefix}${QUEUE_NAMES.notifications}`),
  );
  const notificationDeliveries = new TableDeliveryStore(
    storage.tableClient(`${prefix}${TABLE_NAMES.notificationDeliveries}`),
  );
  await Promise.all([
    schedules.ensureCreated(),
    runs.ensureCreated(),
    runQueue.ensureCreated(),
    statusChecks.ensureCreated(),
    notificationQueue.ensureCreated(),
    notificationDeliveries.ensureCreated(),
  ]);
  const credential = options.credential ?? new DefaultAzureCredential(credentialOptions(settings));
  const appSettings = options.appSettings ?? process.env;
  const datastores = await createDatastoreServices(storage, {
    registryTable: `${prefix}${TABLE_NAMES.datastores}`,
    cursorTable: `${prefix}${TABLE_NAMES.folderCursors}`,
    checkQueue: `${queuePrefix}${QUEUE_NAMES.folderChecks}`,
    credential,
    // The host's own storage may be an embedded Azurite's, known only to the settings.
    appSetting: (name) => (name === "AzureWebJobsStorage" ? settings.AzureWebJobsStorage : appSettings[name]),
    policy: {
      allowedHosts: settings.ALLOWED_DATASTORE_HOSTS,
      connectionSettings: settings.DATASTORE_CONNECTION_SETTINGS,
      ...(options.allowLocalDatastore === true
        ? { ownStorageDatastore: localDatastoreDefinition(settings) }
        : {}),
    },
  });
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? ((line: string) => console.log(line));
  const allowLoopbackEndpoints = options.allowLoopbackEndpoints ?? false;
  const targeting = runTargeting(settings, allowLoopbackEndpoints);
  return {
    settings,
    schedules,
    runs,
    runQueue,
    statusChecks,
    credential,
    datastores,
    allowLoopbackEndpoints,
    startedAt: clock(),
    clock,
    log,
    targeting,
    firing: schedulingDependencies({ schedules, runs, runQueue, datastores, log }, targeting),
    notifications: {
      queue: notificationQueue,
      deliveries: notificationDeliveries,
      hooks: runNotifications({ queue: notificationQueue, clock, log }),
    },
  };
}

/** A user-assigned identity is chosen by the client id the storage connection names (the azd template's). */
function credentialOptions(settings: Settings): { managedIdentityClientId?: string } {
  const clientId = settings.AzureWebJobsStorage__clientId;
  return clientId === undefined ? {} : { managedIdentityClientId: clientId };
}
