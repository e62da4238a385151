import type { TokenCredential } from "@azure/identity";
import type { DatastoreServices } from "../datastore/datastore-services.js";
import type { NotificationServices } from "../notifications/notification-services.js";
import type { StatusCheckStore } from "../pipeline-runs/status-store.js";
import type { RunQueue } from "../runs/run-queue.js";
import type { RunStore, TickStore } from "../runs/run-store.js";
import type { SchedulingDependencies } from "../scheduling/scheduling-pass.js";
import type { Settings } from "../settings/settings.js";
import type { ScheduleStore } from "../state/schedule-store.js";
import type { RunTargeting } from "../submit/new-run.js";

/**
 * Everything the handlers need, built once per host from the settings (src/host/create-services.ts implements
 * it; the API names what it uses, so that it never imports the host). Handlers receive it through a
 * `getServices()` promise so that Azure Functions can register triggers before any client exists.
 */
export interface Services {
  settings: Settings;
  schedules: ScheduleStore;
  runs: RunStore & TickStore;
  runQueue: RunQueue;
  /** The last pipeline run status check of each run, shared by instances to rate-limit GET /runs/{id}/wait. */
  statusChecks: StatusCheckStore;
  /** Change-based schedules (CONTRACT 2.3): the datastore registry, folder cursors, check queue, blob access. */
  datastores: DatastoreServices;
  /** Tokens for AML endpoints (CONTRACT 3): DefaultAzureCredential, a managed identity in Azure. */
  credential: TokenCredential;
  /** The local host lets schedules target loopback endpoints over http (CONTRACT 5); Azure never does. */
  allowLoopbackEndpoints: boolean;
  /** When this host started: /health counts missed timer runs from here when no pass has run yet. */
  startedAt: Date;
  /** The only source of "now" for handlers; tests and the local host's dev routes may replace it. */
  clock: () => Date;
  log: (line: string) => void;
  /** How runs are targeted (workspace settings, endpoint rules), for the runs the API makes itself. */
  targeting: RunTargeting;
  /** The scheduling pass over these stores, wired by the host: creating, enabling and run-now fire through it. */
  firing: SchedulingDependencies;
  /** Notifications of run ends and pauses (CONTRACT 8): their queue, their deliveries, the hooks to call. */
  notifications: NotificationServices;
}

export type GetServices = () => Promise<Services>;
