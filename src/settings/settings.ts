import { z } from "zod";
import { CronExpressionParser } from "cron-parser";
import { hostMatches, isLoopbackHost } from "./host-patterns.js";
import {
  blankAsUnset,
  hostListSetting,
  integerSetting,
  queueNameSetting,
  settingNameListSetting,
  tokenScopeSetting,
  urlSetting,
} from "./setting-rules.js";
import { connectionStringMessage, parseStorageConnectionString } from "./storage-connection-string.js";

/** The service's settings (CONTRACT 6), read from app settings / environment variables. */

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const optionalText = blankAsUnset;

/**
 * POSTs one instance has in flight at most. 100 keeps 5,000 runs due at one instant within a minute on one
 * instance against an endpoint that answers in a second (Azure ML's PipelineSubmit), while the 429 gate lets a
 * throttled workspace slow the instance down at once (docs/operations.md, "Bursts").
 */
export const DEFAULT_SUBMIT_CONCURRENCY = 100;

/** Identity-based storage is reached with a token: https only, and never loopback (CONTRACT 6). */
const serviceUri = (service: string) =>
  urlSetting({
    example: `https://myaccount.${service}.core.windows.net`,
    allowPath: true,
    allowLoopbackHttp: false,
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
    // The service uses tables, queues and blobs (the Functions host its blobs and queues), so all three are needed.
    AzureWebJobsStorage: optionalText.superRefine((text, context) => {
      if (text === undefined) return;
      const parsed = parseStorageConnectionString(text, ["blob", "queue", "table"]);
      if (!parsed.ok) context.addIssue({ code: "custom", message: connectionStringMessage(parsed.problem) });
    }),
    AzureWebJobsStorage__accountName: optionalText.pipe(
      z
        .string()
        .regex(/^[a-z0-9]{3,24}$/, {
          message: "must be a storage account name: 3-24 lowercase letters and digits",
        })
        .optional(),
    ),
    AzureWebJobsStorage__blobServiceUri: serviceUri("blob"),
    AzureWebJobsStorage__queueServiceUri: serviceUri("queue"),
    AzureWebJobsStorage__tableServiceUri: serviceUri("table"),
    // DefaultAzureCredential takes it as the client id of a user-assigned managed identity, a GUID.
    AzureWebJobsStorage__clientId: optionalText.pipe(
      z.string().regex(GUID, { message: "must be the client id (a GUID) of a managed identity" }).optional(),
    ),
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
    // A path is kept (a proxy's prefix, the local sandbox's /api/sandbox); plain http only for loopback.
    AML_PIPELINES_BASE_URL: urlSetting({
      example: "https://westeurope.api.azureml.ms",
      allowPath: true,
      allowLoopbackHttp: true,
    }),
    AML_TOKEN_SCOPE: tokenScopeSetting("https://management.azure.com/.default"),
    AML_TOKEN_HOSTS: hostListSetting({ default: "*.api.azureml.ms", receivesToken: true }),
    ALLOWED_ENDPOINT_HOSTS: hostListSetting({ default: "*.api.azureml.ms", receivesToken: false }),
    ALLOWED_DATASTORE_HOSTS: hostListSetting({ default: "*.blob.core.windows.net", receivesToken: true }),
    DATASTORE_CONNECTION_SETTINGS: settingNameListSetting(),
    // Azure ML v2 (CONTRACT 6, 7): Resource Manager for lookups and jobs, and the batch endpoints' own audience
    // (MicrosoftDocs/azure-ai-docs `articles/machine-learning/how-to-authenticate-batch-endpoint.md`: "the resource
    // scope for invoking a batch endpoints (https://ml.azure.com) is different from the resource scope used to
    // manage them", https://management.azure.com). The local sandbox is an http loopback ARM base, which gets no token.
    AML_ARM_BASE_URL: urlSetting({
      example: "https://management.azure.com",
      allowPath: true,
      allowLoopbackHttp: true,
      default: "https://management.azure.com",
    }),
    AML_ARM_TOKEN_SCOPE: tokenScopeSetting("https://management.azure.com/.default"),
    AML_INVOKE_TOKEN_SCOPE: tokenScopeSetting("https://ml.azure.com/.default"),
    AML_INVOKE_TOKEN_HOSTS: hostListSetting({ default: "*.inference.ml.azure.com", receivesToken: true }),
    // Notifications carry no token (CONTRACT 8), so loopback may be listed; the local host allows it anyway.
    ALLOWED_NOTIFY_HOSTS: hostListSetting({ default: "*.logic.azure.com", receivesToken: false }),
    // POSTs in flight per instance (the submission gate, issue 15); docs/operations.md says how to choose it.
    SUBMIT_CONCURRENCY: integerSetting({ default: DEFAULT_SUBMIT_CONCURRENCY, min: 1, max: 1000 }),
    // How long a submitted run is followed to its end (CONTRACT 4, 6); 30 days is more than any pipeline should run.
    RUN_FOLLOW_HOURS: integerSetting({ default: 72, min: 1, max: 720, unit: "hours" }),
    // The Storage Queue, in the service's own storage, that Event Grid writes BlobCreated events to (CONTRACT 2.3).
    BLOB_EVENTS_QUEUE: queueNameSetting("blob-events"),
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
    // Only when each setting is well-formed on its own: the rule combines them.
    if (workspaceGiven.length === WORKSPACE_SETTINGS.length && ctx.issues.length === 0) {
      checkPipelinesHost(settings, ctx);
    }
    for (const name of settings.DATASTORE_CONNECTION_SETTINGS) {
      if (isServiceStorageSetting(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["DATASTORE_CONNECTION_SETTINGS"],
          message: `names ${name}, a storage setting of the service itself, which no datastore may read`,
        });
      }
    }
  });

/**
 * The host the workspace's pipelines are reached at must be one the endpoint rules allow and the token goes to;
 * else every pipelineId target would be refused, or sent without a token, long after the start. Loopback (the
 * local sandbox) gets no token and is allowed by the local host.
 */
function checkPipelinesHost(
  settings: {
    AML_PIPELINES_BASE_URL?: string | undefined;
    AML_REGION?: string | undefined;
    ALLOWED_ENDPOINT_HOSTS: readonly string[];
    AML_TOKEN_HOSTS: readonly string[];
  },
  ctx: z.RefinementCtx,
): void {
  const setting = settings.AML_PIPELINES_BASE_URL === undefined ? "AML_REGION" : "AML_PIPELINES_BASE_URL";
  const baseUrl = settings.AML_PIPELINES_BASE_URL ?? `https://${settings.AML_REGION ?? ""}.api.azureml.ms`;
  const host = new URL(baseUrl).hostname;
  if (isLoopbackHost(host)) return;
  for (const [list, patterns] of [
    ["ALLOWED_ENDPOINT_HOSTS", settings.ALLOWED_ENDPOINT_HOSTS],
    ["AML_TOKEN_HOSTS", settings.AML_TOKEN_HOSTS],
  ] as const) {
    if (!hostMatches(host, patterns)) {
      ctx.addIssue({
        code: "custom",
        path: [setting],
        message: `must point at a host ${list} allows: ${host} does not match ${patterns.join(",")}; add it to ${list}`,
      });
    }
  }
}

/**
 * The settings that hold the service's own storage (its state; the Functions host's content share and
 * deployment package), which no datastore may read: with them, change-based runs would list the service's own
 * blobs. Names compare without case, as Windows app settings do.
 */
export function isServiceStorageSetting(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    lower === "azurewebjobsstorage" ||
    lower.startsWith("azurewebjobsstorage__") ||
    lower.startsWith("azurewebjobsstorage:") ||
    [
      "azurewebjobsdashboard",
      "website_contentazurefileconnectionstring",
      "deployment_storage_connection_string",
    ].includes(lower)
  );
}

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

export class SettingsError extends Error {
  override name = "SettingsError";
}

/** Reads the settings, or throws a SettingsError whose message names every missing or malformed setting. */
export function loadSettings(env: Record<string, string | undefined>): Settings {
  const parsed = settingsSchema.safeParse(env);
  const problems = parsed.success
    ? datastoreConnectionProblems(parsed.data, env)
    : parsed.error.issues.map(
        (issue) => `${issue.path.map(String).join(".") || "settings"} ${issue.message}`,
      );
  if (!parsed.success || problems.length > 0) {
    throw new SettingsError(`Invalid settings: ${problems.join("; ")}`);
  }
  return parsed.data;
}

/**
 * Each setting DATASTORE_CONNECTION_SETTINGS names must hold a usable connection string now, so that a
 * datastore naming it never fails at its first check, and PUT /datastores need not say whether a setting
 * exists (CONTRACT 4: no oracle).
 */
function datastoreConnectionProblems(settings: Settings, env: Record<string, string | undefined>): string[] {
  return settings.DATASTORE_CONNECTION_SETTINGS.flatMap((name) => {
    const value = env[name]?.trim() ?? "";
    if (value === "") return [`${name} is required: DATASTORE_CONNECTION_SETTINGS names it`];
    const parsed = parseStorageConnectionString(value, ["blob"]);
    return parsed.ok ? [] : [`${name} ${connectionStringMessage(parsed.problem)}`];
  });
}
