import type { TestProject } from "vitest/node";
import { startEmbeddedAzurite, type EmbeddedAzurite } from "../../src/host/local/embedded-azurite.js";

/** One real Azurite for the whole test run, on free loopback ports; tests isolate by table/queue names. */
let azurite: EmbeddedAzurite | undefined;

export async function setup(project: TestProject): Promise<void> {
  azurite = await startEmbeddedAzurite();
  project.provide("storageConnectionString", azurite.connectionString);
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    storageConnectionString: string;
  }
}
