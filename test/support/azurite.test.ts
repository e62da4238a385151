import { TableServiceClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { testStorageConnectionString, uniqueStoragePrefix } from "./storage.js";

describe("test Azurite", () => {
  it("answers on loopback and creates a table", async () => {
    const connectionString = testStorageConnectionString();
    expect(connectionString).toMatch(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+\//);
    const service = TableServiceClient.fromConnectionString(connectionString, {
      allowInsecureConnection: true,
    });
    const name = `${uniqueStoragePrefix()}probe`;
    await service.createTable(name);
    const names: string[] = [];
    for await (const table of service.listTables()) names.push(table.name ?? "");
    expect(names).toContain(name);
  });
});
