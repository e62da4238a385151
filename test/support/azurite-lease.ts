import http from "node:http";
import { afterAll, inject } from "vitest";

/**
 * Runs before every test file (vitest setupFiles): leases the file's own Azurite from the pool of global-setup.ts,
 * and gives it back, which stops it, once the file's tests are done. Plain node:http, so that a test that stands
 * in for fetch never sees these requests.
 */
const lease = JSON.parse(await post("/lease")) as { id: string; connectionString: string };
(globalThis as { leasedAzurite?: string }).leasedAzurite = lease.connectionString;

afterAll(async () => {
  const used = (globalThis as { leasedAzuriteUsed?: boolean }).leasedAzuriteUsed === true;
  await post(`/release/${lease.id}?used=${used}`);
});

function post(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${inject("azuriteLeaseUrl")}${path}`, { method: "POST" }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () =>
        response.statusCode === 200
          ? resolve(body)
          : reject(new Error(`The Azurite pool answered ${path} with ${response.statusCode}: ${body}`)),
      );
    });
    request.on("error", reject);
    request.end();
  });
}
