import { apiTriggers } from "../api/routes.js";
import type { GetServices, Services } from "./services.js";
import type { TriggerSpec } from "./trigger-list.js";

export interface TriggerListOptions {
  /** Lets schedules target loopback endpoints (the local host's sandbox); never set in Azure. */
  allowLoopbackEndpoints?: boolean;
}

/**
 * THE list of triggers: `functions/index.ts` registers it with Azure Functions and the local host serves it,
 * so both hosts run the same handlers (STYLE: one wiring, two hosts).
 */
export function allTriggers(getServices: GetServices, options: TriggerListOptions = {}): TriggerSpec[] {
  return [...apiTriggers(getServices, { allowLoopbackEndpoints: options.allowLoopbackEndpoints ?? false })];
}

/**
 * Builds the services on first use and shares them afterwards. A failed build is not kept, so the next
 * invocation tries again (storage may have been unreachable for a moment).
 */
export function memoizeServices(factory: () => Promise<Services>): GetServices {
  let services: Promise<Services> | undefined;
  return () => {
    services ??= factory().catch((error: unknown) => {
      services = undefined;
      throw error;
    });
    return services;
  };
}
