import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startLocalHost, type RunningLocalHost } from "../../src/host/local/local-host.js";

/** A timer that fires once a year, so that time moves only through the requests of the test. */
export const NEVER_TICK = "0 0 0 1 1 *";

export interface TrialLocalHost {
  host: RunningLocalHost;
  /** Stops the host and removes its folder. */
  stop(): Promise<void>;
}

/** A local host as `npm start` runs it (in memory, free ports), in a folder of its own, with a timer that never ticks. */
export async function startTrialLocalHost(name: string): Promise<TrialLocalHost> {
  const cwd = await mkdtemp(path.join(os.tmpdir(), `${name}-`));
  const host = await startLocalHost({
    port: 0,
    persist: false,
    cwd,
    env: { SCHEDULER_TICK: NEVER_TICK },
    log: () => undefined,
  });
  return {
    host,
    stop: async () => {
      await host.stop();
      await rm(cwd, { recursive: true, force: true });
    },
  };
}
