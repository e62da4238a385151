import { afterEach, describe, expect, it } from "vitest";
import { runSchedulingPass } from "../../src/scheduling/scheduling-pass.js";
import type { SubmitOutcome } from "../../src/submit/pipeline-client.js";
import {
  gateSignalOf,
  SubmissionGate,
  type GateEntry,
  type GateSignal,
} from "../../src/submit/submission-gate.js";
import { createFiringStack } from "../support/firing-stack.js";
import { ManualClock } from "../support/manual-clock.js";
import { startScriptedEndpoint, type ScriptedEndpoint } from "../support/scripted-endpoint.js";

const T0 = "2026-11-21T10:00:00.000Z";

/** A gate on a manual clock whose timers fire only when the test says so. */
function gateOn(maxInFlight: number, options: { maxWaitMs?: number } = {}) {
  let nowMs = Date.parse(T0);
  const timers: { atMs: number; fire: () => void }[] = [];
  const gate = new SubmissionGate({
    maxInFlight,
    clock: () => new Date(nowMs),
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        timers.push({ atMs: nowMs + ms, fire: resolve });
      }),
    ...options,
  });
  return {
    gate,
    /** Moves the clock and fires the timers that are due. */
    advanceTo: async (iso: string) => {
      nowMs = Date.parse(iso);
      for (const timer of timers.splice(0)) {
        if (timer.atMs <= nowMs) timer.fire();
        else timers.push(timer);
      }
      await Promise.resolve();
      await Promise.resolve();
    },
  };
}

async function settled<T>(promise: Promise<T>): Promise<T | "waiting"> {
  return Promise.race([promise, new Promise<"waiting">((resolve) => setImmediate(() => resolve("waiting")))]);
}

function admitted(entry: GateEntry | "waiting"): Extract<GateEntry, { kind: "admitted" }> {
  if (entry === "waiting" || entry.kind !== "admitted")
    throw new Error(`not admitted: ${JSON.stringify(entry)}`);
  return entry;
}

const answered: GateSignal = { kind: "answered" };

describe("SubmissionGate", () => {
  it("lets at most maxInFlight POSTs out at once, the next one as soon as one is answered", async () => {
    const { gate } = gateOn(2);
    const first = admitted(await settled(gate.acquire()));
    admitted(await settled(gate.acquire()));
    const third = gate.acquire();
    expect(await settled(third)).toBe("waiting");
    expect(gate.state()).toMatchObject({ inFlight: 2, waiting: 1 });
    first.release(answered);
    admitted(await settled(third));
    expect(gate.state()).toMatchObject({ inFlight: 2, waiting: 0 });
  });

  it("on a 429 holds every submission of the instance until Retry-After has passed, and halves the window", async () => {
    const { gate, advanceTo } = gateOn(4);
    const entries = await Promise.all([1, 2, 3, 4].map(() => gate.acquire()));
    const waiting = [gate.acquire(), gate.acquire(), gate.acquire()];
    admitted(entries[0] ?? "waiting").release({ kind: "throttled", retryAfterMs: 5_000 });
    // The place the 429 freed is not used while the instance is paused.
    expect(await settled(waiting[0] as Promise<GateEntry>)).toBe("waiting");
    expect(gate.state()).toEqual({
      inFlight: 3,
      window: 2,
      waiting: 3,
      pausedUntil: new Date("2026-11-21T10:00:05.000Z"),
    });
    // Answers to POSTs let out before the 429 neither halve the window again, nor grow it, nor end the pause.
    admitted(entries[1] ?? "waiting").release({ kind: "throttled", retryAfterMs: 1_000 });
    admitted(entries[2] ?? "waiting").release(answered);
    admitted(entries[3] ?? "waiting").release(answered);
    await advanceTo("2026-11-21T10:00:04.999Z");
    expect(await settled(waiting[0] as Promise<GateEntry>)).toBe("waiting");
    await advanceTo("2026-11-21T10:00:05.000Z");
    // Two go (the halved window), the third waits for one of them.
    admitted(await settled(waiting[0] as Promise<GateEntry>));
    admitted(await settled(waiting[1] as Promise<GateEntry>));
    expect(await settled(waiting[2] as Promise<GateEntry>)).toBe("waiting");
    expect(gate.state()).toMatchObject({ inFlight: 2, window: 2, pausedUntil: null });
  });

  it("halves again for a 429 to a POST let out after the last halving, and grows back by one per window", async () => {
    const { gate, advanceTo } = gateOn(8);
    admitted(await settled(gate.acquire())).release({ kind: "throttled", retryAfterMs: 0 });
    expect(gate.state().window).toBe(4);
    await advanceTo("2026-11-21T10:00:00.001Z");
    admitted(await settled(gate.acquire())).release({ kind: "throttled", retryAfterMs: 0 });
    expect(gate.state().window).toBe(2);
    await advanceTo("2026-11-21T10:00:00.002Z");
    // Additive increase: 1/window per answer, so two answers at window 2 make it 3, three more make it 4.
    for (let answer = 0; answer < 2; answer++) admitted(await settled(gate.acquire())).release(answered);
    expect(gate.state().window).toBe(3);
    for (let answer = 0; answer < 3; answer++) admitted(await settled(gate.acquire())).release(answered);
    expect(gate.state().window).toBe(4);
    for (let answer = 0; answer < 100; answer++) admitted(await settled(gate.acquire())).release(answered);
    expect(gate.state().window).toBe(8);
  });

  it("postpones, rather than holds, submissions when the pause is longer than a worker should wait", async () => {
    const { gate } = gateOn(2, { maxWaitMs: 20_000 });
    const first = admitted(await settled(gate.acquire()));
    const second = admitted(await settled(gate.acquire()));
    const held = gate.acquire();
    expect(await settled(held)).toBe("waiting");
    first.release({ kind: "throttled", retryAfterMs: 60_000 });
    const until = Date.parse("2026-11-21T10:01:00.000Z");
    expect(await settled(held)).toEqual({ kind: "postponed", untilMs: until });
    expect(await gate.acquire()).toEqual({ kind: "postponed", untilMs: until });
    second.release(answered);
    expect(gate.state()).toMatchObject({ inFlight: 0, waiting: 0 });
  });

  it("treats only a 429 as throttling", () => {
    const outcome = (value: SubmitOutcome) => gateSignalOf(value);
    expect(
      outcome({ kind: "retryable", httpStatus: 429, message: "slow down", retryAfterMs: 3_000 }),
    ).toEqual({
      kind: "throttled",
      retryAfterMs: 3_000,
    });
    expect(outcome({ kind: "retryable", httpStatus: 503, message: "busy", retryAfterMs: 3_000 })).toEqual(
      answered,
    );
    expect(outcome({ kind: "retryable", httpStatus: null, message: "reset", retryAfterMs: null })).toEqual(
      answered,
    );
    expect(outcome({ kind: "submitted", httpStatus: 200, pipelineRunId: "r" })).toEqual(answered);
    expect(
      () => new SubmissionGate({ maxInFlight: 0, clock: () => new Date(), sleep: () => Promise.resolve() }),
    ).toThrow(RangeError);
  });
});

describe("an instance-wide 429 backoff", () => {
  let endpoint: ScriptedEndpoint | undefined;
  afterEach(async () => {
    await endpoint?.close();
    endpoint = undefined;
  });

  it("slows every submission of the instance for the Retry-After of one 429, and loses none", async () => {
    endpoint = await startScriptedEndpoint([
      { status: 429, headers: { "Retry-After": "2" }, body: { error: { message: "Too many requests" } } },
      { status: 200 },
    ]);
    const timeline = new ManualClock("2026-11-21T09:00:00.000Z");
    const gate = new SubmissionGate({ maxInFlight: 4, clock: timeline.now, sleep: timeline.sleep });
    const stack = await createFiringStack({ timeline, gate });
    const schedules = [];
    for (let index = 0; index < 12; index++) {
      schedules.push(
        await stack.createSchedule(
          {
            name: `burst-${index}`,
            target: { endpointUrl: `${endpoint.url}/submit/burst-${index}` },
            experimentName: "burst",
            trigger: {
              type: "recurrence",
              frequency: "Hour",
              interval: 1,
              startTime: "2026-11-21T10:00:00Z",
            },
          },
          timeline.now(),
        ),
      );
    }
    // Record when each POST left and when the 429 came back, on the instance's clock. The 429 is handed back
    // once the four POSTs the gate let out have all left, so that every later POST left after it.
    const starts: number[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    let throttledAt: number | undefined;
    let fourLeft: () => void = () => undefined;
    const firstFour = new Promise<void>((resolve) => {
      fourLeft = resolve;
    });
    const post = stack.submission.post.bind(stack.submission);
    stack.submission.post = async (run) => {
      starts.push(timeline.now().getTime());
      if (starts.length === 4) fourLeft();
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      const outcome = await post(run);
      if (outcome.httpStatus === 429) {
        await firstFour;
        throttledAt = timeline.now().getTime();
      }
      inFlight--;
      return outcome;
    };
    stack.submission.retryDelayMs = (_attempt, retryAfterMs) => retryAfterMs ?? 1_000;

    timeline.set("2026-11-21T10:00:00.500Z");
    const { runs } = await runSchedulingPass(stack.scheduling, timeline.now());
    expect(runs).toHaveLength(12);
    await stack.drainQueue();
    // The throttled run's retry is a delayed message, visible when its Retry-After is over.
    timeline.set(Math.max(timeline.now().getTime(), stack.nextVisibleAt() ?? 0));
    await stack.drainQueue();

    expect(throttledAt).toBe(Date.parse("2026-11-21T10:00:00.500Z"));
    const pauseEnd = (throttledAt ?? 0) + 2_000;
    // At most 4 at once; the POSTs that left after the 429 came back all waited for its Retry-After.
    expect(mostInFlight).toBeLessThanOrEqual(4);
    const afterThrottle = starts.slice(4);
    expect(afterThrottle).toHaveLength(9);
    for (const start of afterThrottle) expect(start).toBeGreaterThanOrEqual(pauseEnd);
    // None lost: every run Submitted once, the throttled one after a second POST.
    const all = await Promise.all(schedules.map((schedule) => stack.runs.latestForSchedule(schedule.id)));
    expect(all.map((run) => run?.status)).toEqual(Array.from({ length: 12 }, () => "Submitted"));
    expect(all.map((run) => run?.attempts).sort()).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    expect(endpoint.received).toHaveLength(13);
    expect(await stack.runs.listUnsettled(new Date("2026-11-22T00:00:00.000Z"), 100)).toEqual([]);
    expect(gate.state()).toMatchObject({ inFlight: 0, waiting: 0, pausedUntil: null });
  });
});
