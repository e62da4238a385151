import type {
  HttpFunctionOptions,
  StorageQueueFunctionOptions,
  TimerFunctionOptions,
} from "@azure/functions";
import type { TriggerSpec } from "./trigger-list.js";

/** The part of `@azure/functions`' `app` that registers triggers; `app` itself satisfies it. */
export interface FunctionsApp {
  http(name: string, options: HttpFunctionOptions): void;
  timer(name: string, options: TimerFunctionOptions): void;
  storageQueue(name: string, options: StorageQueueFunctionOptions): void;
}

/** The app setting naming the storage that queue triggers listen to: the one that holds the state (CONTRACT 6). */
export const QUEUE_CONNECTION_SETTING = "AzureWebJobsStorage";

/** Registers each spec with Azure Functions, exactly once; a repeated name is a mistake in the list and throws. */
export function registerTriggers(app: FunctionsApp, specs: readonly TriggerSpec[]): void {
  const names = new Set<string>();
  for (const spec of specs) {
    if (names.has(spec.name))
      throw new Error(`Two triggers are named "${spec.name}"; function names must be unique`);
    names.add(spec.name);
    switch (spec.kind) {
      case "http":
        app.http(spec.name, {
          authLevel: spec.authLevel ?? "function",
          route: spec.route,
          methods: spec.methods,
          handler: spec.handler,
        });
        break;
      case "timer":
        // Azure resolves %NAME% from the app settings, so the tick is configured, not compiled in.
        app.timer(spec.name, { schedule: `%${spec.scheduleSetting}%`, handler: spec.handler });
        break;
      case "queue":
        app.storageQueue(spec.name, {
          queueName: spec.queueName,
          connection: QUEUE_CONNECTION_SETTING,
          handler: spec.handler,
        });
        break;
    }
  }
}
