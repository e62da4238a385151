import { datastoreRoutes, isDatastoreRegistered } from "../../src/api/datastore-routes.js";
import { apiTriggers } from "../../src/host/http-triggers.js";
import { createServices, type CreateServicesOptions } from "../../src/host/create-services.js";
import { startLocalHttpServer } from "../../src/host/local/http-server.js";
import type { Services } from "../../src/api/services.js";
import { loadSettings } from "../../src/settings/settings.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "./storage.js";

/** The API with the datastore routes over real HTTP, on services built as a host builds them. */
export interface DatastoreApi {
  services: Services;
  call: (method: string, route: string, body?: unknown) => Promise<Response>;
  close: () => Promise<void>;
}

/** `settings` are added to the test Azurite's AzureWebJobsStorage and read by loadSettings. */
export async function startDatastoreApi(
  settings: Record<string, string>,
  options: Omit<CreateServicesOptions, "storagePrefix">,
): Promise<DatastoreApi> {
  const services = await createServices(
    loadSettings({ AzureWebJobsStorage: testStorageConnectionString(), ...settings }),
    { storagePrefix: uniqueStoragePrefix(), ...options },
  );
  const server = await startLocalHttpServer({
    port: 0,
    host: "127.0.0.1",
    routePrefix: "api",
    triggers: apiTriggers(() => Promise.resolve(services), {
      extraRoutes: datastoreRoutes(),
      isDatastoreRegistered,
    }),
  });
  return {
    services,
    call: (method, route, body) =>
      fetch(`${server.url}${route}`, {
        method,
        ...(body === undefined
          ? {}
          : { headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }),
      }),
    close: () => server.close(),
  };
}
