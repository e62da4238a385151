import { readFile } from "node:fs/promises";
import path from "node:path";
import { SettingsError } from "../../settings/settings.js";

export const LOCAL_SETTINGS_FILE = "local.settings.json";

/**
 * The `Values` of `local.settings.json` in `folder`, as Azure Functions Core Tools reads them for `func start`;
 * an empty object when there is no such file. Values are app settings, so they become strings.
 */
export async function readLocalSettingsValues(folder: string): Promise<Record<string, string>> {
  const file = path.join(folder, LOCAL_SETTINGS_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`${LOCAL_SETTINGS_FILE} is not valid JSON: ${(error as Error).message}`);
  }
  const { IsEncrypted, Values } = (parsed ?? {}) as { IsEncrypted?: unknown; Values?: unknown };
  if (IsEncrypted === true) {
    throw new SettingsError(
      `${LOCAL_SETTINGS_FILE} is encrypted; decrypt it with "func settings decrypt" first`,
    );
  }
  if (Values === undefined) return {};
  if (typeof Values !== "object" || Values === null || Array.isArray(Values)) {
    throw new SettingsError(`${LOCAL_SETTINGS_FILE} Values must be an object of app settings`);
  }
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(Values)) {
    if (typeof value === "string") values[name] = value;
    else if (typeof value === "number" || typeof value === "boolean") values[name] = String(value);
    else throw new SettingsError(`${LOCAL_SETTINGS_FILE} Values.${name} must be a string`);
  }
  return values;
}

/** Where the state lives: the storage the user configured, or an Azurite this host starts and stops. */
export type LocalStorageChoice =
  { kind: "embedded" } | { kind: "configured"; source: "environment" | "local.settings.json" };

export const DEVELOPMENT_STORAGE = "UseDevelopmentStorage=true";

/**
 * Storage configured in the environment is used as is. In `local.settings.json`, `UseDevelopmentStorage=true`
 * (func's usual value, which means "the local emulator") is served by the embedded Azurite.
 */
export function chooseLocalStorage(
  env: Record<string, string | undefined>,
  fileValues: Record<string, string>,
): LocalStorageChoice {
  const configures = (values: Record<string, string | undefined>) =>
    Object.entries(values).some(
      ([name, value]) =>
        (name === "AzureWebJobsStorage" || name.startsWith("AzureWebJobsStorage__")) &&
        (value ?? "").trim() !== "",
    );
  if (configures(env)) return { kind: "configured", source: "environment" };
  const fileStorage = fileValues.AzureWebJobsStorage?.trim().replace(/;$/, "");
  if (configures(fileValues) && fileStorage?.toLowerCase() !== DEVELOPMENT_STORAGE.toLowerCase()) {
    return { kind: "configured", source: "local.settings.json" };
  }
  return { kind: "embedded" };
}
