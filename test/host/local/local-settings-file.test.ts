import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chooseLocalStorage, readLocalSettingsValues } from "../../../src/host/local/local-settings-file.js";
import { loadSettings, SettingsError } from "../../../src/settings/settings.js";

const folders: string[] = [];

afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

async function folderWith(content: string | undefined): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), "local-settings-"));
  folders.push(folder);
  if (content !== undefined) await writeFile(path.join(folder, "local.settings.json"), content);
  return folder;
}

describe("readLocalSettingsValues", () => {
  it("is empty without a local.settings.json", async () => {
    expect(await readLocalSettingsValues(await folderWith(undefined))).toEqual({});
  });

  it("reads Values as strings, as func does", async () => {
    const folder = await folderWith(
      JSON.stringify({
        IsEncrypted: false,
        Values: { SCHEDULER_TICK: "*/5 * * * * *", RETRIES: 3, ON: true },
      }),
    );
    expect(await readLocalSettingsValues(folder)).toEqual({
      SCHEDULER_TICK: "*/5 * * * * *",
      RETRIES: "3",
      ON: "true",
    });
  });

  it.each([
    ["{ not json", /local.settings.json is not valid JSON/],
    [JSON.stringify({ IsEncrypted: true, Values: {} }), /local.settings.json is encrypted/],
    [JSON.stringify({ Values: ["a"] }), /local.settings.json Values must be an object/],
    [JSON.stringify({ Values: { SCHEDULER_TICK: { every: 5 } } }), /Values.SCHEDULER_TICK must be a string/],
  ])("rejects %s with a SettingsError naming the problem", async (content, message) => {
    const reading = readLocalSettingsValues(await folderWith(content));
    await expect(reading).rejects.toThrow(SettingsError);
    await expect(readLocalSettingsValues(await folderWith(content))).rejects.toThrow(message);
  });

  it("checks the example file is func's format and lists every setting of CONTRACT 6", async () => {
    const values = await readLocalSettingsValues(
      await folderWith(await readFile("local.settings.example.json", "utf8")),
    );
    expect(values).toMatchObject({
      AzureWebJobsStorage: "UseDevelopmentStorage=true",
      FUNCTIONS_WORKER_RUNTIME: "node",
    });
    for (const name of [
      "AML_SUBSCRIPTION_ID",
      "AML_RESOURCE_GROUP",
      "AML_WORKSPACE_NAME",
      "AML_REGION",
      "AML_PIPELINES_BASE_URL",
      "AML_TOKEN_SCOPE",
      "AML_TOKEN_HOSTS",
      "ALLOWED_ENDPOINT_HOSTS",
      "ALLOWED_DATASTORE_HOSTS",
      "DATASTORE_CONNECTION_SETTINGS",
      "SCHEDULER_TICK",
    ]) {
      expect(values, name).toHaveProperty(name);
    }
    expect(loadSettings(values).SCHEDULER_TICK).toBe("0 * * * * *");
  });
});

describe("chooseLocalStorage", () => {
  it("starts an embedded Azurite when no storage is configured", () => {
    expect(chooseLocalStorage({}, {})).toEqual({ kind: "embedded" });
    expect(chooseLocalStorage({ AzureWebJobsStorage: " " }, {})).toEqual({ kind: "embedded" });
  });

  it("uses storage from the environment, connection string or identity-based", () => {
    expect(chooseLocalStorage({ AzureWebJobsStorage: "UseDevelopmentStorage=true" }, {})).toEqual({
      kind: "configured",
      source: "environment",
    });
    expect(chooseLocalStorage({ AzureWebJobsStorage__accountName: "acct" }, {})).toEqual({
      kind: "configured",
      source: "environment",
    });
  });

  it("serves local.settings.json's UseDevelopmentStorage=true with the embedded Azurite, and uses any other account", () => {
    expect(chooseLocalStorage({}, { AzureWebJobsStorage: "UseDevelopmentStorage=true" })).toEqual({
      kind: "embedded",
    });
    expect(
      chooseLocalStorage(
        {},
        { AzureWebJobsStorage: "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=a2V5" },
      ),
    ).toEqual({ kind: "configured", source: "local.settings.json" });
  });
});
