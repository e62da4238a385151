import { z } from "zod";
import { CronExpressionParser } from "cron-parser";

/** The service's settings (CONTRACT 6), read from app settings / environment variables. */

const hostPatternList = (example: string) =>
  z
    .string()
    .transform((text) =>
      text
        .split(",")
        .map((pattern) => pattern.trim().toLowerCase())
        .filter((pattern) => pattern.length > 0),
    )
    .refine(
      (patterns) => patterns.every((pattern) => /^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(pattern)),
      {
        message: `must be a comma-separated list of host names, each optionally starting with "*." (e.g. ${example})`,
      },
    );

const optionalText = z
  .string()
  .optional()
  .transform((text) => (text === undefined || text.trim() === "" ? undefined : text.trim()));

export const settingsSchema = z
  .object({
    AzureWebJobsStorage: optionalText,
    AzureWebJobsStorage__accountName: optionalText,
    AzureWebJobsStorage__blobServiceUri: optionalText.pipe(z.url().optional()),
    AzureWebJobsStorage__queueServiceUri: optionalText.pipe(z.url().optional()),
    AzureWebJobsStorage__tableServiceUri: optionalText.pipe(z.url().optional()),
    AzureWebJobsStorage__clientId: optionalText,
    AML_SUBSCRIPTION_ID: optionalText,
    AML_RESOURCE_GROUP: optionalText,
    AML_WORKSPACE_NAME: optionalText,
    AML_REGION: optionalText.pipe(
      z
        .string()
        .regex(/^[a-z0-9]+$/, { message: "must be an Azure region name such as westeurope" })
        .optional(),
    ),
    AML_PIPELINES_BASE_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
    AML_TOKEN_SCOPE: optionalText.transform((scope) => scope ?? "https://management.azure.com/.default"),
    AML_TOKEN_HOSTS: optionalText
      .transform((hosts) => hosts ?? "*.api.azureml.ms")
      .pipe(hostPatternList("*.api.azureml.ms")),
    ALLOWED_ENDPOINT_HOSTS: optionalText
      .transform((hosts) => hosts ?? "*.api.azureml.ms")
      .pipe(hostPatternList("*.api.azureml.ms")),
    SCHEDULER_TICK: optionalText
      .transform((tick) => tick ?? "0 * * * * *")
      .refine(isNcrontab, {
        message: 'must be a six-field NCRONTAB expression such as "0 * * * * *"',
      }),
  })
  .superRefine((settings, ctx) => {
    if (
      settings.AzureWebJobsStorage === undefined &&
      settings.AzureWebJobsStorage__accountName === undefined &&
      settings.AzureWebJobsStorage__tableServiceUri === undefined
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["AzureWebJobsStorage"],
        message:
          "is required: a connection string, or AzureWebJobsStorage__accountName for identity-based storage",
      });
    }
  });

export type Settings = z.output<typeof settingsSchema>;

function isNcrontab(expression: string): boolean {
  if (expression.trim().split(/\s+/).length !== 6) return false;
  try {
    CronExpressionParser.parse(expression);
    return true;
  } catch {
    return false;
  }
}

export class SettingsError extends Error {
  override name = "SettingsError";
}

/** Reads the settings, or throws a SettingsError whose message names every missing or malformed setting. */
export function loadSettings(env: Record<string, string | undefined>): Settings {
  const parsed = settingsSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.map(String).join(".") || "settings"} ${issue.message}`,
  );
  throw new SettingsError(`Invalid settings: ${problems.join("; ")}`);
}
