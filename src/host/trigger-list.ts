import type { HttpHandler, HttpMethod, StorageQueueHandler, TimerHandler } from "@azure/functions";

/**
 * One list of triggers, registered by `functions/` in Azure and served by the local host: nothing is
 * registered twice by hand (STYLE: one wiring, two hosts).
 */
export interface HttpTriggerSpec {
  kind: "http";
  /** Function name: letters, digits, '_' and '-'. */
  name: string;
  /** Azure Functions route template below /api, e.g. `schedules/{id}/next`. */
  route: string;
  methods: HttpMethod[];
  handler: HttpHandler;
  /**
   * "function" (the default) requires a function key in Azure. Only a route that returns nothing but public
   * static content (the status page's shell, whose API calls carry the key) may be "anonymous".
   */
  authLevel?: "function" | "anonymous";
}

export interface TimerTriggerSpec {
  kind: "timer";
  name: string;
  /** The app setting holding the NCRONTAB schedule (Azure resolves `%SETTING%`). */
  scheduleSetting: "SCHEDULER_TICK";
  handler: TimerHandler;
}

export interface QueueTriggerSpec {
  kind: "queue";
  name: string;
  queueName: string;
  handler: StorageQueueHandler;
}

export type TriggerSpec = HttpTriggerSpec | TimerTriggerSpec | QueueTriggerSpec;

/**
 * A queue name as the Functions host resolves a binding expression: `%NAME%` is the value of the app setting NAME
 * (functions-bindings-expressions-patterns.md, "Binding expressions - app settings"); any other name is itself.
 */
export function resolvedQueueName(queueName: string, settings: Readonly<Record<string, unknown>>): string {
  const setting = /^%([A-Za-z_][A-Za-z0-9_]*)%$/.exec(queueName)?.[1];
  if (setting === undefined) return queueName;
  const value = settings[setting];
  if (typeof value !== "string" || value === "") {
    throw new Error(`The queue name of a trigger is the app setting ${setting}, which is not set`);
  }
  return value;
}
