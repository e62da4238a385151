import type { Services } from "./services.js";
import { missedTicks, MISSED_TICKS_UNHEALTHY } from "../scheduling/tick-health.js";
import type { ApiRoute } from "./api-route.js";
import { healthSchema, type Health } from "./api-schemas.js";

/** What the scheduling timer reports about itself, for GET /health (CONTRACT 4). */
export interface TickHealth {
  /** When the last scheduling pass ran (ISO), or null if none has since start. */
  lastTickAt: string | null;
  /** Three or more passes were due since the last one (or since start) and none happened. */
  overdue: boolean;
}

/** The last pass recorded by the scheduling timer (or /dev/tick), and whether passes stopped since. */
export async function readTickHealth(services: Services): Promise<TickHealth> {
  const lastTick = await services.runs.lastTickAt();
  const since = lastTick ?? services.startedAt;
  const missed = missedTicks(services.settings.SCHEDULER_TICK, since, services.clock());
  return { lastTickAt: lastTick?.toISOString() ?? null, overdue: missed >= MISSED_TICKS_UNHEALTHY };
}

export function healthRoute(): ApiRoute {
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
      // With storage unreachable, the last pass cannot be read either; storage alone makes it unhealthy.
      const tick: TickHealth =
        storage === "ok" ? await readTickHealth(services) : { lastTickAt: null, overdue: false };
      const healthy = storage === "ok" && !tick.overdue;
      const body: Health = { status: healthy ? "ok" : "unhealthy", storage, lastTickAt: tick.lastTickAt };
      return { status: healthy ? 200 : 503, jsonBody: body };
    },
  };
}
