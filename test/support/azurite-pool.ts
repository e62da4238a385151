import http from "node:http";
import type { AddressInfo } from "node:net";
import { startEmbeddedAzurite, type EmbeddedAzurite } from "../../src/host/local/embedded-azurite.js";

/**
 * Fresh Azurites for test files, handed out over a loopback HTTP lease (global-setup.ts runs the pool, every test
 * file's worker leases one in azurite-lease.ts). Each test file gets an Azurite of its own that it shares with no
 * other file: what a file leaves behind (thousands of rows, queued messages never consumed, Azurite's background
 * sweeps over them) can never slow a later file down. Azurites are started ahead, so that a lease is at once; a
 * file that never used its Azurite hands it on to the next file.
 */
export interface AzuritePool {
  /**
   * POST `${url}/lease` answers `{ id, connectionString }`; POST `${url}/release/<id>?used=<true|false>` stops that
   * Azurite, or keeps it for the next lease when it was not used.
   */
  url: string;
  close(): Promise<void>;
}

/** Azurites started ahead of the next leases. */
const SPARES = 2;

export async function startAzuritePool(): Promise<AzuritePool> {
  const leased = new Map<string, EmbeddedAzurite>();
  const spares: Promise<EmbeddedAzurite>[] = Array.from({ length: SPARES }, () => startEmbeddedAzurite());
  let closing = false;
  let next = 0;
  const lease = async (): Promise<{ id: string; connectionString: string }> => {
    const azurite = await (spares.shift() ?? startEmbeddedAzurite());
    if (!closing && spares.length < SPARES) spares.push(startEmbeddedAzurite());
    const id = String(++next);
    leased.set(id, azurite);
    return { id, connectionString: azurite.connectionString };
  };
  const release = async (id: string, used: boolean): Promise<void> => {
    const azurite = leased.get(id);
    leased.delete(id);
    if (azurite === undefined) return;
    // A file that never asked for its Azurite's connection string left nothing in it: it serves the next file.
    if (!used && !closing) spares.unshift(Promise.resolve(azurite));
    else await azurite.stop();
  };
  const server = http.createServer((request, response) => {
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(body));
    };
    const released = /^\/release\/(\d+)\?used=(true|false)$/.exec(request.url ?? "");
    const work =
      request.url === "/lease"
        ? lease().then((body) => answer(200, body))
        : released?.[1] !== undefined
          ? release(released[1], released[2] === "true").then(() => answer(200, {}))
          : Promise.resolve(answer(404, {}));
    work.catch((error: unknown) => answer(500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      closing = true;
      await new Promise((resolve) => server.close(resolve));
      const started = await Promise.all(spares.splice(0));
      await Promise.all([...leased.values(), ...started].map((azurite) => azurite.stop()));
      leased.clear();
    },
  };
}
