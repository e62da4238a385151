import type { TestProject } from "vitest/node";
import { startAzuritePool, type AzuritePool } from "./azurite-pool.js";

/** Real Azurites on free loopback ports, one per test file (azurite-pool.ts); tests isolate by table/queue names. */
let pool: AzuritePool | undefined;

export async function setup(project: TestProject): Promise<void> {
  pool = await startAzuritePool();
  project.provide("azuriteLeaseUrl", pool.url);
}

export async function teardown(): Promise<void> {
  await pool?.close();
}

declare module "vitest" {
  export interface ProvidedContext {
    azuriteLeaseUrl: string;
  }
}
