import type { Settings } from "../settings/settings.js";
import { storageAccessFromSettings } from "../state/storage-clients.js";
import { TableScheduleStore } from "../state/table-schedule-store.js";
import type { Services } from "./services.js";

/** The tables that hold the service's state, named in one place. */
export const TABLE_NAMES = { schedules: "schedules" } as const;

export interface CreateServicesOptions {
  /** Replaces real time for the handlers (tests, the local host's dev routes). */
  clock?: () => Date;
  /** Put before every table name, so tests sharing one storage account do not see each other's state. */
  tablePrefix?: string;
}

/** Builds the services from the settings; creates the tables that are missing, so it is safe to run at every start. */
export async function createServices(
  settings: Settings,
  options: CreateServicesOptions = {},
): Promise<Services> {
  const storage = storageAccessFromSettings(settings);
  const prefix = options.tablePrefix ?? "";
  const schedules = new TableScheduleStore(storage.tableClient(`${prefix}${TABLE_NAMES.schedules}`));
  await schedules.ensureCreated();
  return { settings, schedules, clock: options.clock ?? (() => new Date()) };
}
