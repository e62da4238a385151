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

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const serviceUri = z.url({
  protocol: /^https?$/,
  message: "must be an absolute URL such as https://myaccount.table.core.windows.net",
});

const SERVICE_URI_SETTINGS = [
  "AzureWebJobsStorage__tableServiceUri",
  "AzureWebJobsStorage__queueServiceUri",
  "AzureWebJobsStorage__blobServiceUri",
] as const;

/** The settings that together locate the AML workspace; either all of them are set or none. */
const WORKSPACE_SETTINGS = ["AML_SUBSCRIPTION_ID", "AML_RESOURCE_GROUP", "AML_WORKSPACE_NAME"] as const;

export const settingsSchema = z
  .object({
    AzureWebJobsStorage: optionalText.refine(
      (text) => text === undefined || isStorageConnectionString(text),
      {
        message:
          "must be a storage connection string (UseDevelopmentStorage=true, or DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;...)",
      },
    ),
    AzureWebJobsStorage__accountName: optionalText.pipe(
      z
        .string()
        .regex(/^[a-z0-9]{3,24}$/, {
          message: "must be a storage account name: 3-24 lowercase letters and digits",
        })
        .optional(),
    ),
    AzureWebJobsStorage__blobServiceUri: optionalText.pipe(serviceUri.optional()),
    AzureWebJobsStorage__queueServiceUri: optionalText.pipe(serviceUri.optional()),
    AzureWebJobsStorage__tableServiceUri: optionalText.pipe(serviceUri.optional()),
    AzureWebJobsStorage__clientId: optionalText,
    AML_SUBSCRIPTION_ID: optionalText.pipe(
      z.string().regex(GUID, { message: "must be an Azure subscription id (a GUID)" }).optional(),
    ),
    // Azure resource group names: 1-90 letters, digits, '_', '-', '.', '(' and ')', not ending in '.'.
    AML_RESOURCE_GROUP: optionalText.pipe(
      z
        .string()
        .regex(/^[\w().-]{0,89}[\w()-]$/u, { message: "must be an Azure resource group name" })
        .optional(),
    ),
    // Azure ML workspace names: 3-33 letters, digits, '-' and '_', starting with a letter or digit.
    AML_WORKSPACE_NAME: optionalText.pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$/, { message: "must be an Azure ML workspace name" })
        .optional(),
    ),
    AML_REGION: optionalText.pipe(
      z
        .string()
        .regex(/^[a-z0-9]+$/, { message: "must be an Azure region name such as westeurope" })
        .optional(),
    ),
    AML_PIPELINES_BASE_URL: optionalText.pipe(
      z
        .url({
          protocol: /^https?$/,
          message: "must be an absolute http(s) URL such as https://westeurope.api.azureml.ms",
        })
        .optional(),
    ),
    AML_TOKEN_SCOPE: optionalText.transform((scope) => scope ?? "https://management.azure.com/.default"),
    AML_TOKEN_HOSTS: optionalText
      .transform((hosts) => hosts ?? "*.api.azureml.ms")
      .pipe(hostPatternList("*.api.azureml.ms")),
    ALLOWED_ENDPOINT_HOSTS: optionalText
      .transform((hosts) => hosts ?? "*.api.azureml.ms")
      .pipe(hostPatternList("*.api.azureml.ms")),
    SCHEDULER_TICK: optionalText
      .transform((tick) => tick ?? "0 * * * * *")
      .superRefine((tick, ctx) => {
        const problem = schedulerTickProblem(tick);
        if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
      }),
  })
  .superRefine((settings, ctx) => {
    if (
      settings.AzureWebJobsStorage === undefined &&
      settings.AzureWebJobsStorage__accountName === undefined
    ) {
      // Identity-based storage without an account name needs every service URI, as the Functions host does.
      const uris = SERVICE_URI_SETTINGS.filter((name) => settings[name] !== undefined);
      if (uris.length === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["AzureWebJobsStorage"],
          message:
            "is required: a connection string, or AzureWebJobsStorage__accountName for identity-based storage",
        });
      }
      for (const name of uris.length === 0 ? [] : SERVICE_URI_SETTINGS) {
        if (settings[name] === undefined) {
          ctx.addIssue({
            code: "custom",
            path: [name],
            message:
              "is required when neither AzureWebJobsStorage nor AzureWebJobsStorage__accountName is set",
          });
        }
      }
    }
    // A half-configured workspace is a mistake to report at start, not at the first schedule that needs it;
    // with none of them set, schedules can still target pipelines by endpointUrl.
    const workspaceGiven = WORKSPACE_SETTINGS.filter((name) => settings[name] !== undefined);
    if (workspaceGiven.length > 0) {
      for (const name of WORKSPACE_SETTINGS) {
        if (settings[name] === undefined) {
          ctx.addIssue({
            code: "custom",
            path: [name],
            message: `is required when ${workspaceGiven.join(", ")} ${workspaceGiven.length === 1 ? "is" : "are"} set`,
          });
        }
      }
      if (settings.AML_REGION === undefined && settings.AML_PIPELINES_BASE_URL === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["AML_REGION"],
          message: "is required (or AML_PIPELINES_BASE_URL) when the workspace settings are set",
        });
      }
    }
  });

export type Settings = z.output<typeof settingsSchema>;

/**
 * SCHEDULER_TICK is evaluated twice: by the Functions host, which fires the timer by NCRONTAB, and by /health and
 * the local host, which use cron-parser. Only what both read alike is accepted, so that /health never expects a
 * tick that Azure does not fire (CONTRACT 4, /health). NCrontab (atifaziz/NCrontab, CrontabSchedule.cs and
 * CrontabFieldImpl.cs) requires both day fields to match where cron-parser takes either; it has no `L`, `#` or `?`,
 * and its weekdays are 0-6.
 */
function schedulerTickProblem(expression: string): string | undefined {
  const malformed = 'must be a six-field NCRONTAB expression such as "0 * * * * *"';
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) return malformed;
  const [, , , dayOfMonth = "", , dayOfWeek = ""] = fields;
  const tokens = fields.flatMap((field) => field.split(/[,/-]/));
  if (tokens.some((token) => !/^(\*|\d+|[A-Za-z]{3})$/.test(token))) {
    return `${malformed}, with numbers, ranges, steps, lists and three-letter names only (NCRONTAB has no L, # or ?)`;
  }
  if (dayOfWeek.split(/[,/-]/).some((token) => /^\d+$/.test(token) && Number(token) > 6)) {
    return "must number weekdays 0 (Sunday) to 6: NCRONTAB, which fires the timer in Azure, has no weekday 7";
  }
  if (dayOfMonth !== "*" && dayOfWeek !== "*") {
    return (
      "must not restrict both the day of the month and the day of the week: the Functions host (NCRONTAB) fires " +
      "on days that match both, cron-parser (used by /health and the local host) on days that match either"
    );
  }
  try {
    CronExpressionParser.parse(expression);
    return undefined;
  } catch {
    return malformed;
  }
}

/** `Key=Value;` pairs naming the development storage, an account, or explicit endpoints (Azure Storage format). */
function isStorageConnectionString(text: string): boolean {
  const pairs = text
    .split(";")
    .filter((segment) => segment.trim() !== "")
    .map((segment) => segment.split("=")[0]?.trim().toLowerCase() ?? "");
  if (
    pairs.length === 0 ||
    text.split(";").some((segment) => segment.trim() !== "" && !segment.includes("="))
  ) {
    return false;
  }
  return ["usedevelopmentstorage", "accountname", "tableendpoint"].some((key) => pairs.includes(key));
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
