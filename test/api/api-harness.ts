import type { LogHandler } from "@azure/functions";
import type { ApiOptions } from "../../src/api/routes.js";
import { apiTriggers } from "../../src/host/http-triggers.js";
import type { Services } from "../../src/api/services.js";
import { startLocalHttpServer, type LocalHttpServer } from "../../src/host/local/http-server.js";
import { loadSettings } from "../../src/settings/settings.js";
import { createServices } from "../../src/host/create-services.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";

/** The API over real HTTP, a real table on the test Azurite, and a clock the test sets. */
export interface ApiUnderTest {
  /** Base URL, ending in /api. */
  url: string;
  services: Services;
  /** Put before every table and queue name of this API's storage (see createServices). */
  storagePrefix: string;
  setNow(iso: string): void;
  /** What the handlers logged, level first. */
  logs: unknown[][];
  call(
    method: string,
    path: string,
    init?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  close(): Promise<void>;
}

/** A workspace for pipelineId / pipelineEndpoint targets (CONTRACT 6). */
export const TEST_WORKSPACE_SETTINGS = {
  AML_SUBSCRIPTION_ID: "11111111-2222-3333-4444-555555555555",
  AML_RESOURCE_GROUP: "ml-rg",
  AML_WORKSPACE_NAME: "ml-ws",
  AML_REGION: "westeurope",
};

export async function startApiUnderTest(
  startAt: string,
  options: ApiOptions & { allowLoopbackEndpoints?: boolean; log?: (line: string) => void } = {},
  settings: Record<string, string> = {},
): Promise<ApiUnderTest> {
  const connectionString = testStorageConnectionString();
  let now = new Date(startAt);
  const { allowLoopbackEndpoints, log, ...apiOptions } = options;
  const storagePrefix = uniqueStoragePrefix();
  const services = await createServices(
    loadSettings({
      AzureWebJobsStorage: connectionString,
      ALLOWED_ENDPOINT_HOSTS: "*.api.azureml.ms",
      ...TEST_WORKSPACE_SETTINGS,
      ...settings,
    }),
    {
      storagePrefix,
      clock: () => now,
      allowLoopbackEndpoints: allowLoopbackEndpoints ?? false,
      log: log ?? (() => undefined),
    },
  );
  const logs: unknown[][] = [];
  const logHandler: LogHandler = (level, ...args) => logs.push([level, ...args]);
  const server: LocalHttpServer = await startLocalHttpServer({
    port: 0,
    host: "127.0.0.1",
    routePrefix: "api",
    triggers: apiTriggers(() => Promise.resolve(services), apiOptions),
    logHandler,
  });
  return {
    url: server.url,
    services,
    storagePrefix,
    logs,
    setNow: (iso) => {
      now = new Date(iso);
    },
    call: (method, path, init = {}) => {
      const hasBody = init.body !== undefined;
      return fetch(`${server.url}${path}`, {
        method,
        headers: {
          ...(hasBody ? { "Content-Type": "application/json" } : {}),
          ...init.headers,
        },
        ...(hasBody ? { body: typeof init.body === "string" ? init.body : JSON.stringify(init.body) } : {}),
      });
    },
    close: () => server.close(),
  };
}
