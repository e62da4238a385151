import { TableServiceClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { createServices, TABLE_NAMES } from "../../src/host/create-services.js";
import type { Services } from "../../src/api/services.js";
import { loadSettings } from "../../src/settings/settings.js";
import { scheduleId, scheduleRecord } from "../state/schedule-fixtures.js";
import { testStorageConnectionString, uniqueStoragePrefix } from "../support/storage.js";

async function tableNames(): Promise<string[]> {
  const service = TableServiceClient.fromConnectionString(testStorageConnectionString(), {
    allowInsecureConnection: true,
  });
  const names: string[] = [];
  for await (const table of service.listTables()) names.push(table.name ?? "");
  return names;
}

describe("createServices", () => {
  it("creates the prefixed tables, again without error, and stores schedules in them", async () => {
    const settings = loadSettings({ AzureWebJobsStorage: testStorageConnectionString() });
    const storagePrefix = uniqueStoragePrefix();
    const fixedNow = new Date("2026-11-21T10:00:00.000Z");
    const first = await createServices(settings, { storagePrefix, clock: () => fixedNow });
    const second = await createServices(settings, { storagePrefix });

    expect(await tableNames()).toContain(`${storagePrefix}${TABLE_NAMES.schedules}`);
    expect(first.settings).toBe(settings);
    expect(first.clock()).toBe(fixedNow);
    expect(Math.abs(second.clock().getTime() - Date.now())).toBeLessThan(5_000);

    const record = scheduleRecord(scheduleId(1));
    await first.schedules.insert(record);
    expect((await second.schedules.getByName(record.definition.name))?.id).toBe(record.id);
    await expect(first.schedules.ping()).resolves.toBeUndefined();
  });

  it("fails when storage does not answer", async () => {
    const settings = loadSettings({
      AzureWebJobsStorage:
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;" +
        "BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;" +
        "TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
    });
    const creating: Promise<Services> = createServices(settings, { storagePrefix: uniqueStoragePrefix() });
    await expect(creating).rejects.toThrow();
  });
});
