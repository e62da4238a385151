import type { Settings } from "../settings/settings.js";
import type { ScheduleStore } from "../state/schedule-store.js";

/**
 * Everything the handlers need, built once per host from the settings. Handlers receive it through a
 * `getServices()` promise so that Azure Functions can register triggers before any client exists.
 */
export interface Services {
  settings: Settings;
  schedules: ScheduleStore;
  /** The only source of "now" for handlers; tests and the local host's dev routes may replace it. */
  clock: () => Date;
}

export type GetServices = () => Promise<Services>;
