import { describe, expect, it } from "vitest";
import type { Services } from "../../src/api/services.js";
import { memoizeServices } from "../../src/host/triggers.js";

const services = { clock: () => new Date("2026-11-21T10:00:00.000Z") } as unknown as Services;

describe("memoizeServices", () => {
  it("builds the services on first use only, and shares them", async () => {
    let builds = 0;
    const getServices = memoizeServices(() => {
      builds += 1;
      return Promise.resolve(services);
    });
    expect(builds).toBe(0);
    const [first, second] = await Promise.all([getServices(), getServices()]);
    expect(await getServices()).toBe(first);
    expect(second).toBe(first);
    expect(builds).toBe(1);
  });

  it("tries again after a failed build", async () => {
    let builds = 0;
    const getServices = memoizeServices(() => {
      builds += 1;
      return builds === 1 ? Promise.reject(new Error("storage unreachable")) : Promise.resolve(services);
    });
    await expect(getServices()).rejects.toThrow("storage unreachable");
    expect(await getServices()).toBe(services);
    expect(builds).toBe(2);
  });
});
