import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { createDatastoreServices } from "../datastore/datastore-services.js";
import { FOLDER_CHECK_QUEUE_NAME } from "../datastore/folder-check-queue.js";
import { localDatastoreDefinition } from "../datastore/local-datastore.js";
import { TableDeliveryStore } from "../notifications/delivery-store.js";
import { NOTIFICATION_QUEUE_NAME, StorageNotificationQueue } from "../notifications/notification-queue.js";
import { runNotifications } from "../notifications/run-notifications.js";
import { FOLLOW_UP_QUEUE_NAME, StorageFollowUpQueue } from "../following/follow-up-queue.js";
import { TableFollowUpStore } from "../following/follow-up-store.js";
import { sweepFollowUps } from "../following/follower.js";
import { TableStatusCheckStore } from "../pipeline-runs/status-store.js";
import type { RunNotifications } from "../run-policies/notifications.js";
import { handleRunEnd, type RunPolicyDependencies } from "../run-policies/run-endings.js";
import { TableScheduleRunStateStore } from "../runs/schedule-run-state.js";
import { RUN_QUEUE_NAME, StorageRunQueue } from "../runs/run-queue.js";
import { TableRunStore } from "../runs/table-run-store.js";
import type { Settings } from "../settings/settings.js";
import { storageAccessFromSettings } from "../state/storage-clients.js";
import { TableScheduleStore } from "../state/table-schedule-store.js";
import type { Services } from "../api/services.js";
import { instanceSubmissionGate, runTargeting, schedulingDependencies } from "./firing-wiring.js";

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
  followedRuns: "runfollowups",
  blobEventWatches: "blobeventwatches",
} as const;
export const QUEUE_NAMES = {
  runs: RUN_QUEUE_NAME,
  runsPoison: `${RUN_QUEUE_NAME}-poison`,
  folderChecks: FOLDER_CHECK_QUEUE_NAME,
  notifications: NOTIFICATION_QUEUE_NAME,
  followUps: FOLLOW_UP_QUEUE_NAME,
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
  /** Where the ends of runs and the pauses of schedules are told (CONTRACT 8); the notify delivery when absent. */
  notifications?: RunNotifications;
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
  // The state row of each schedule's policies sits in the schedule's run partition (CONTRACT 2.5).
  const runStates = new TableScheduleRunStateStore(storage.tableClient(`${prefix}${TABLE_NAMES.runs}`));
  const followedRuns = new TableFollowUpStore(storage.tableClient(`${prefix}${TABLE_NAMES.followedRuns}`));
  const followUps = new StorageFollowUpQueue(storage.queueClient(`${queuePrefix}${QUEUE_NAMES.followUps}`));
  await Promise.all([
    schedules.ensureCreated(),
    runs.ensureCreated(),
    runQueue.ensureCreated(),
    statusChecks.ensureCreated(),
    notificationQueue.ensureCreated(),
    notificationDeliveries.ensureCreated(),
    followedRuns.ensureCreated(),
    followUps.ensureCreated(),
  ]);
  const credential = options.credential ?? new DefaultAzureCredential(credentialOptions(settings));
  const appSettings = options.appSettings ?? process.env;
  const clock = options.clock ?? (() => new Date());
  const log = options.log ?? ((line: string) => console.log(line));
  const datastores = await createDatastoreServices(storage, {
    registryTable: `${prefix}${TABLE_NAMES.datastores}`,
    cursorTable: `${prefix}${TABLE_NAMES.folderCursors}`,
    eventWatchTable: `${prefix}${TABLE_NAMES.blobEventWatches}`,
    // Not prefixed: the queue trigger listens to the name the setting gives (tests give each a name of its own).
    blobEventsQueue: settings.BLOB_EVENTS_QUEUE,
    clock,
    log,
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
  const allowLoopbackEndpoints = options.allowLoopbackEndpoints ?? false;
  const targeting = runTargeting(settings, allowLoopbackEndpoints);
  const notificationHooks = runNotifications({ queue: notificationQueue, clock, log });
  const policies: RunPolicyDependencies = {
    schedules,
    runs,
    runStates,
    queue: runQueue,
    notifications: options.notifications ?? notificationHooks,
    clock,
    log,
  };
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
    notifications: {
      queue: notificationQueue,
      deliveries: notificationDeliveries,
      hooks: notificationHooks,
    },
    firing: schedulingDependencies({ schedules, runs, runQueue, datastores, log }, targeting, {
      schedulerTick: settings.SCHEDULER_TICK,
      clock,
      runEnded: (run) => handleRunEnd(policies, run),
      sweepFollowUps: (now) => sweepFollowUps({ followed: followedRuns, queue: followUps, log }, now),
    }),
    submissionGate: instanceSubmissionGate(settings, clock),
    runStates,
    followedRuns,
    followUps,
    policies,
  };
}

/** A user-assigned identity is chosen by the client id the storage connection names (the azd template's). */
function credentialOptions(settings: Settings): { managedIdentityClientId?: string } {
  const clientId = settings.AzureWebJobsStorage__clientId;
  return clientId === undefined ? {} : { managedIdentityClientId: clientId };
}
