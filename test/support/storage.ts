import { randomBytes } from "node:crypto";
import { inject } from "vitest";

/** The connection string of the test run's Azurite (started by global-setup.ts). */
export function testStorageConnectionString(): string {
  return inject("storageConnectionString");
}

/** A name prefix unique to one test, so tests sharing the Azurite never see each other's tables or queues. */
export function uniqueStoragePrefix(): string {
  return `t${randomBytes(5).toString("hex")}`;
}
