import type { Services } from "../host/services.js";
import type { ApiRoute } from "./api-route.js";
import { healthSchema, type Health } from "./api-schemas.js";

/** What the scheduling timer reports about itself, for GET /health (CONTRACT 4). */
export interface TickHealth {
  /** When the last scheduling pass ran (ISO), or null if none has since start. */
  lastTickAt: string | null;
  /** Three or more passes were due since the last one (or since start) and none happened. */
  overdue: boolean;
}

export type ReadTickHealth = (services: Services) => Promise<TickHealth>;

const NO_TICK_RECORDED: ReadTickHealth = () => Promise.resolve({ lastTickAt: null, overdue: false });

export function healthRoute(readTickHealth: ReadTickHealth = NO_TICK_RECORDED): ApiRoute {
  return {
    name: "health",
    route: "health",
    method: "GET",
    summary: "Whether storage answers and the scheduling timer runs.",
    responses: {
      200: { description: "Healthy.", schema: healthSchema },
      503: {
        description: "Storage is unreachable, or the scheduling timer has stopped.",
        schema: healthSchema,
      },
    },
    run: async (_request, services, context) => {
      const storage = await services.schedules.ping().then(
        () => "ok" as const,
        (error: unknown) => {
          context.warn("Health check: storage is unreachable:", error);
          return "unreachable" as const;
        },
      );
      const tick = await readTickHealth(services);
      const healthy = storage === "ok" && !tick.overdue;
      const body: Health = { status: healthy ? "ok" : "unhealthy", storage, lastTickAt: tick.lastTickAt };
      return { status: healthy ? 200 : 503, jsonBody: body };
    },
  };
}
