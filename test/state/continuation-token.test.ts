import { RestError, TableClient } from "@azure/data-tables";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { TableRunStore } from "../../src/runs/table-run-store.js";
import { apiContinuationToken, sdkContinuationToken } from "../../src/state/continuation-token.js";
import { TableScheduleStore } from "../../src/state/table-schedule-store.js";
import { startScriptedEndpoint, type ScriptedEndpoint } from "../support/scripted-endpoint.js";

/** The SDK's own token for a position (data-tables utils/continuationToken.ts, encodeContinuationToken). */
function sdkToken(position: { nextPartitionKey: string; nextRowKey?: string }): string {
  return Buffer.from(JSON.stringify(position), "latin1").toString("base64");
}

const printableAscii = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  minLength: 1,
  maxLength: 64,
});

describe("continuation tokens", () => {
  it("are base64url JSON of the position, and give the SDK its token back", () => {
    const sdk = sdkToken({ nextPartitionKey: "cA==", nextRowKey: "cjE=" });
    const token = apiContinuationToken(sdk);
    expect(token).toBe(Buffer.from('{"nextPartitionKey":"cA==","nextRowKey":"cjE="}').toString("base64url"));
    expect(sdkContinuationToken(token)).toBe(sdk);
    expect(sdkContinuationToken(apiContinuationToken(sdkToken({ nextPartitionKey: "s_x" })))).toBe(
      sdkToken({ nextPartitionKey: "s_x" }),
    );
  });

  it("round-trip every position of printable ASCII", () => {
    fc.assert(
      fc.property(printableAscii, fc.option(printableAscii, { nil: undefined }), (partition, row) => {
        const sdk = sdkToken(
          row === undefined
            ? { nextPartitionKey: partition }
            : { nextPartitionKey: partition, nextRowKey: row },
        );
        expect(sdkContinuationToken(apiContinuationToken(sdk))).toBe(sdk);
      }),
    );
  });

  it("refuse anything else with a ValidationError on continuationToken, never another error", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.base64String(),
          fc.json().map((text) => Buffer.from(text).toString("base64url")),
        ),
        (token) => {
          let outcome: unknown;
          try {
            outcome = sdkContinuationToken(token);
          } catch (error) {
            outcome = error;
          }
          if (outcome instanceof ValidationError) {
            expect(outcome.issues).toEqual([
              { path: "continuationToken", message: "is not a continuation token of this list" },
            ]);
          } else {
            // What is accepted is the SDK's token of a position of exactly its two fields.
            expect(typeof outcome).toBe("string");
            const position = JSON.parse(
              Buffer.from(outcome as string, "base64").toString("latin1"),
            ) as object;
            expect(
              Object.keys(position).every((key) => key === "nextPartitionKey" || key === "nextRowKey"),
            ).toBe(true);
          }
        },
      ),
    );
  });

  it("throw when the SDK hands over a token of another shape", () => {
    expect(() => apiContinuationToken(sdkToken({ nextPartitionKey: "" }))).toThrow(
      "The tables SDK returned a continuation token of another shape",
    );
  });
});

/**
 * Azure decodes the positions it encoded and may refuse a forged one (Azurite takes any): a real HTTP server on
 * loopback plays Table storage refusing the query with 400, as Azure answers an invalid input.
 */
describe("a position storage refuses", () => {
  let storage: ScriptedEndpoint | undefined;
  afterEach(async () => {
    await storage?.close();
  });

  const refusing = async () => {
    storage = await startScriptedEndpoint([
      {
        status: 400,
        body: {
          "odata.error": { code: "InvalidInput", message: { lang: "en-US", value: "Bad continuation" } },
        },
        headers: { "x-ms-error-code": "InvalidInput" },
      },
    ]);
    return new TableClient(`${storage.url}/devstoreaccount1`, "table", {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
  };
  const validToken = apiContinuationToken(
    sdkToken({ nextPartitionKey: "1!8!U21pdGg-", nextRowKey: "1!12!QmVuMTg5OA--" }),
  );
  const invalidToken = new ValidationError([
    { path: "continuationToken", message: "is not a continuation token of this list" },
  ]);

  it("is a ValidationError on continuationToken for the run history", async () => {
    const table = await refusing();
    const store = new TableRunStore(table, table);
    await expect(store.listForSchedule("abc", 10, validToken)).rejects.toEqual(invalidToken);
    await expect(store.listForSchedule("abc", 10)).rejects.toBeInstanceOf(RestError);
  });

  it("is a ValidationError on continuationToken for the schedule list", async () => {
    const table = await refusing();
    const store = new TableScheduleStore(table, table);
    await expect(store.list({ top: 10, continuationToken: validToken })).rejects.toEqual(invalidToken);
    await expect(store.list({ top: 10 })).rejects.toBeInstanceOf(RestError);
  });
});
