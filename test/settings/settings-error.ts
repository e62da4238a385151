import { expect } from "vitest";
import { loadSettings, SettingsError } from "../../src/settings/settings.js";

/** The message of the SettingsError that loadSettings throws for `env`; fails the test when it accepts them. */
export function settingsError(env: Record<string, string | undefined>): string {
  try {
    loadSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as Error).message;
  }
  throw new Error("loadSettings accepted the settings");
}
