import type { ApiRoute } from "./api-route.js";
import { healthRoute } from "./health-route.js";
import { notificationSchema } from "../notifications/notification-payload.js";
import { openApiDocument, type WebhookDoc } from "./openapi.js";
import { lagRoutes } from "./lag-routes.js";
import { runRoutes } from "./run-routes.js";
import { scheduleRoutes, type ScheduleRouteOptions } from "./schedule-routes.js";
import { submitRoutes } from "./submit-routes.js";
import { submitAnyTargetRoute } from "./submit-any-route.js";

export interface ApiOptions extends ScheduleRouteOptions {
  /** Further operations (datastores, the local host's) to serve and to document in /openapi.json. */
  extraRoutes?: readonly ApiRoute[];
  /** Pages for people (the status page), served after the API's operations; they live in src/ui/. */
  pageRoutes?: readonly ApiRoute[];
}

export const API_INFO = { title: "AML pipeline scheduler", version: "0.1.0" };

/** What the service POSTs by itself (CONTRACT 8), documented as OpenAPI webhooks. */
const SERVICE_WEBHOOKS: Record<string, WebhookDoc> = {
  runNotification: {
    summary: "A run of a schedule ended, or the schedule was paused; POSTed to the schedule's notify.url.",
    description:
      "Once per event, with no token or key; retried after 408, 429, 5xx and network errors (with backoff and " +
      "Retry-After), until the first 2xx; redirects are not followed.",
    schema: notificationSchema,
  },
};

/** Every HTTP operation of the API, documented in the OpenAPI document that one of them serves. */
export function apiRoutes(options: ApiOptions = {}): ApiRoute[] {
  const routes: ApiRoute[] = [
    ...scheduleRoutes(options),
    ...runRoutes(),
    ...lagRoutes(),
    ...submitRoutes(),
    submitAnyTargetRoute(),
    ...(options.extraRoutes ?? []),
    healthRoute(),
    ...(options.pageRoutes ?? []),
  ];
  let document: unknown;
  routes.push({
    name: "openapi",
    route: "openapi.json",
    method: "GET",
    summary: "This document.",
    responses: { 200: { description: "The OpenAPI 3.1 document of this API." } },
    run: () => {
      document ??= openApiDocument(routes, API_INFO, SERVICE_WEBHOOKS);
      return Promise.resolve({ status: 200, jsonBody: document });
    },
  });
  return routes;
}
