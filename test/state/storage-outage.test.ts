import http from "node:http";
import type { AddressInfo } from "node:net";
import { RestError, TableClient } from "@azure/data-tables";
import { QueueServiceClient } from "@azure/storage-queue";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../src/host/local/embedded-azurite.js";
import {
  isStorageUnreachable,
  QUEUE_AND_BLOB_RETRY_OPTIONS,
  TABLE_RETRY_OPTIONS,
  tableTryTimeoutPolicy,
} from "../../src/state/storage-outage.js";
import { storageAccessFromConnectionString } from "../../src/state/storage-clients.js";
import { startScriptedEndpoint, type ScriptedEndpoint } from "../support/scripted-endpoint.js";

/** Real SDK clients against loopback: a closed port, and a real HTTP server playing storage. */

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("the request succeeded"),
    (error: unknown) => error,
  );
}

describe("isStorageUnreachable", () => {
  let storage: ScriptedEndpoint | undefined;
  afterEach(async () => {
    await storage?.close();
    storage = undefined;
  });

  const tableAt = (url: string, timeoutMs?: number) =>
    new TableClient(`${url}/devstoreaccount1`, "table", {
      allowInsecureConnection: true,
      retryOptions: TABLE_RETRY_OPTIONS,
      additionalPolicies: [tableTryTimeoutPolicy(timeoutMs)],
    });

  it("is true for a table request to a closed port, after the retries", async () => {
    const table = tableAt(`http://127.0.0.1:${await freePort()}`);
    const error = await errorOf(table.getEntity("p", "r"));
    expect(error).toBeInstanceOf(RestError);
    expect((error as RestError).code).toBe("ECONNREFUSED");
    expect(isStorageUnreachable(error)).toBe(true);
  });

  it("is true for a queue request to a closed port", async () => {
    const queue = new QueueServiceClient(`http://127.0.0.1:${await freePort()}/devstoreaccount1`, undefined, {
      retryOptions: QUEUE_AND_BLOB_RETRY_OPTIONS,
    }).getQueueClient("runs");
    expect(isStorageUnreachable(await errorOf(queue.sendMessage("x")))).toBe(true);
  });

  it("is true for 503 Server Busy, after the retries, and false for 500 and 4xx", async () => {
    const busy = { "odata.error": { code: "ServerBusy", message: { lang: "en-US", value: "busy" } } };
    storage = await startScriptedEndpoint([{ status: 503, body: busy }]);
    expect(isStorageUnreachable(await errorOf(tableAt(storage.url).getEntity("p", "r")))).toBe(true);
    expect(storage.received).toHaveLength(1 + (TABLE_RETRY_OPTIONS.maxRetries ?? 0));
    await storage.close();

    for (const status of [500, 400, 403, 404, 409]) {
      storage = await startScriptedEndpoint([{ status, body: { "odata.error": { code: "X" } } }]);
      const error = await errorOf(tableAt(storage.url).getEntity("p", "r"));
      expect([status, (error as RestError).statusCode, isStorageUnreachable(error)]).toEqual([
        status,
        status,
        false,
      ]);
      await storage.close();
    }
    storage = undefined;
  });

  it("is true for a table try that got no answer in time, which is not retried", async () => {
    storage = await startScriptedEndpoint([{ hangMs: 5_000 }]);
    const error = await errorOf(tableAt(storage.url, 200).getEntity("p", "r"));
    expect((error as RestError).message).toBe("Storage did not answer within 200 ms");
    expect(isStorageUnreachable(error)).toBe(true);
    expect(storage.received).toHaveLength(1);
  });

  it("leaves a caller's abort an abort", async () => {
    storage = await startScriptedEndpoint([{ hangMs: 5_000 }]);
    const abort = new AbortController();
    const pending = errorOf(tableAt(storage.url, 2_000).getEntity("p", "r", { abortSignal: abort.signal }));
    setTimeout(() => abort.abort(), 100);
    const error = await pending;
    expect((error as Error).name).toBe("AbortError");
    expect(isStorageUnreachable(error)).toBe(false);
  });

  it("is false for errors that are not the SDKs'", () => {
    expect(isStorageUnreachable(new TypeError("fetch failed"))).toBe(false);
    expect(isStorageUnreachable(Object.assign(new Error("x"), { code: "ECONNREFUSED" }))).toBe(false);
    expect(isStorageUnreachable("ECONNREFUSED")).toBe(false);
    expect(isStorageUnreachable(undefined)).toBe(false);
  });

  it("is what the service's own clients report after two retries, tables and queues alike", async () => {
    // Storage answering every request with 503 Server Busy, counting them (bodies are JSON or XML: not read).
    let requests = 0;
    const server = http.createServer((request, response) => {
      requests++;
      request.resume();
      response.writeHead(503, { "Content-Type": "application/json", "x-ms-error-code": "ServerBusy" });
      response.end('{"odata.error":{"code":"ServerBusy","message":{"lang":"en-US","value":"busy"}}}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/devstoreaccount1`;
      const access = storageAccessFromConnectionString(
        `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${Buffer.from("key").toString("base64")};` +
          `TableEndpoint=${endpoint};QueueEndpoint=${endpoint};BlobEndpoint=${endpoint};`,
      );
      expect(isStorageUnreachable(await errorOf(access.tableClient("schedules").getEntity("p", "r")))).toBe(
        true,
      );
      expect(requests).toBe(3);
      expect(isStorageUnreachable(await errorOf(access.queueClient("runs").sendMessage("x")))).toBe(true);
      expect(requests).toBe(6);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
