import { randomBytes } from "node:crypto";

/** The connection string of this test file's own Azurite (leased by azurite-lease.ts before the file runs). */
export function testStorageConnectionString(): string {
  const lease = globalThis as { leasedAzurite?: string; leasedAzuriteUsed?: boolean };
  lease.leasedAzuriteUsed = true;
  const connectionString = lease.leasedAzurite;
  if (connectionString === undefined)
    throw new Error("No Azurite was leased for this test file (azurite-lease.ts)");
  return connectionString;
}

/** A name prefix unique to one test, so tests sharing the file's Azurite never see each other's tables or queues. */
export function uniqueStoragePrefix(): string {
  return `t${randomBytes(5).toString("hex")}`;
}
