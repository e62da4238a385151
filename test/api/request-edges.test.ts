import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { datastoreRoutes, isDatastoreRegistered } from "../../src/api/datastore-routes.js";
import { TABLE_NAMES } from "../../src/host/create-services.js";
import { nameEntity } from "../../src/state/schedule-entities.js";
import { testStorageConnectionString } from "../support/storage.js";
import { startApiUnderTest, type ApiUnderTest } from "./api-harness.js";

/**
 * CONTRACT 4, the edges of a request (issue 11, items 6, 8, 9, 10, 13): continuation tokens, JSON that cannot be
 * taken as sent, names made only of dots, lenient query integers and headers, and a name held by an unfinished
 * write. Every refusal is asserted as the whole problem+json body, and changes nothing.
 */

const NOW = "2026-11-21T10:00:00.000Z";
const PIPELINE_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

function definition(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "edge-schedule",
    experimentName: "MyExperiment",
    target: { pipelineId: PIPELINE_ID },
    trigger: { type: "recurrence", frequency: "Day", interval: 1, startTime: "2027-01-01T00:00:00Z" },
    ...overrides,
  };
}

/** `definition()` as JSON text, with `members` (raw JSON text, e.g. `"seed": 9007199254740993`) added at the end. */
function definitionText(members: string, overrides: Record<string, unknown> = {}): string {
  const text = JSON.stringify(definition(overrides));
  return `${text.slice(0, -1)}, ${members}}`;
}

interface FieldError {
  path: string;
  message: string;
}

function badRequest(errors: FieldError[]) {
  return {
    type: "about:blank",
    title: "Bad Request",
    status: 400,
    detail: errors.map((error) => `${error.path}: ${error.message}`).join("; "),
    errors,
  };
}

function problem(status: number, title: string, detail: string) {
  return { type: "about:blank", title, status, detail };
}

async function expectProblem(response: Response, expected: object): Promise<void> {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  expect({ status: response.status, body: await response.json() }).toEqual({
    status: (expected as { status: number }).status,
    body: expected,
  });
}

const INVALID_TOKEN = badRequest([
  { path: "continuationToken", message: "is not a continuation token of this list" },
]);
const PROTO_KEY = "__proto__ is not allowed as a key";
const BEYOND =
  "is outside ±9007199254740991 (2^53 - 1), the integers a JSON number carries exactly; send it as a string";
const NOT_DIGITS = "must be a whole number in decimal digits";
const ONLY_DOTS = "must not be made only of dots, which cannot be addressed in a URL path";

const base64url = (text: string) => Buffer.from(text, "utf8").toString("base64url");

describe("request edges", () => {
  let api: ApiUnderTest;
  let existingId: string;
  let existingEtag: string;
  let baseline: unknown;

  const listAll = async (): Promise<unknown> => (await api.call("GET", "/schedules?top=1000")).json();
  const runsOf = async (id: string): Promise<unknown> =>
    (await api.call("GET", `/schedules/${id}/runs?top=1000`)).json();

  beforeAll(async () => {
    api = await startApiUnderTest(NOW, { extraRoutes: datastoreRoutes(), isDatastoreRegistered });
    const created = await api.call("POST", "/schedules", { body: definition({ name: "existing" }) });
    expect(created.status).toBe(201);
    ({ id: existingId, etag: existingEtag } = (await created.json()) as { id: string; etag: string });
    for (const name of ["second", "third"]) {
      expect((await api.call("POST", "/schedules", { body: definition({ name }) })).status).toBe(201);
    }
    for (let run = 0; run < 3; run++) {
      expect((await api.call("POST", `/schedules/${existingId}/trigger`)).status).toBe(202);
    }
    baseline = { schedules: await listAll(), runs: await runsOf(existingId) };
  });
  afterAll(async () => {
    expect({ schedules: await listAll(), runs: await runsOf(existingId) }).toEqual(baseline);
    await api.close();
  });

  describe("continuation tokens (11.6)", () => {
    const tampered: [string, string][] = [
      ["not base64url", "abc!def"],
      ["base64url of no JSON", base64url("not json")],
      ["base64url with padding", `${base64url('{"nextPartitionKey":"a"}')}=`],
      ["JSON null", base64url("null")],
      ["a JSON array", base64url('["a"]')],
      ["a number nextPartitionKey", base64url('{"nextPartitionKey":1}')],
      ["no nextPartitionKey", base64url('{"nextRowKey":"run:1"}')],
      ["an empty nextPartitionKey", base64url('{"nextPartitionKey":""}')],
      ["an object nextRowKey", base64url('{"nextPartitionKey":"a","nextRowKey":{}}')],
      ["a number nextRowKey", base64url('{"nextPartitionKey":"a","nextRowKey":5}')],
      ["a control character", base64url('{"nextPartitionKey":"a\\u0000"}')],
      ["a key beyond ASCII", base64url('{"nextPartitionKey":"é"}')],
      ["a third field", base64url('{"nextPartitionKey":"a","nextRowKey":"b","top":1}')],
      ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0x7d]).toString("base64url")],
      // The format tokens had before: the SDK's token, base64url-encoded; here with a number nextRowKey (a 500 then).
      [
        "the SDK's token, wrapped",
        base64url(Buffer.from('{"nextPartitionKey":"a","nextRowKey":5}').toString("base64")),
      ],
    ];

    it.each(tampered)("GET /schedules refuses %s", async (_title, token) => {
      const response = await api.call("GET", `/schedules?continuationToken=${encodeURIComponent(token)}`);
      await expectProblem(response, INVALID_TOKEN);
    });

    it.each(tampered)("GET /schedules/{id}/runs refuses %s", async (_title, token) => {
      const response = await api.call(
        "GET",
        `/schedules/${existingId}/runs?continuationToken=${encodeURIComponent(token)}`,
      );
      await expectProblem(response, INVALID_TOKEN);
    });

    it("follows the nextLinks it issues, for schedules and for runs", async () => {
      const follow = async (path: string): Promise<number> => {
        let link: string | null = path;
        let items = 0;
        while (link !== null) {
          const response = await fetch(new URL(link, api.url));
          expect(response.status).toBe(200);
          const page = (await response.json()) as { value: unknown[]; nextLink: string | null };
          items += page.value.length;
          link = page.nextLink;
        }
        return items;
      };
      expect(await follow("/api/schedules?top=1")).toBe(3);
      expect(await follow(`/api/schedules/${existingId}/runs?top=1`)).toBe(3);
    });

    it("accepts a well-formed position: it resumes the same filtered query, and grants nothing", async () => {
      const elsewhere = base64url('{"nextPartitionKey":"zzz","nextRowKey":"zzz"}');
      const response = await api.call("GET", `/schedules/${existingId}/runs?continuationToken=${elsewhere}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ value: [], nextLink: null });
    });
  });

  describe("JSON that cannot be taken as sent (11.8)", () => {
    it.each([
      [
        "parameterAssignments",
        definitionText('"parameterAssignments": {"__proto__": {"pipeline_arg": 1}, "other": 2}'),
        "parameterAssignments.__proto__",
      ],
      [
        "dataPathAssignments",
        definitionText(
          '"dataPathAssignments": {"__proto__": {"dataStoreName": "ws", "relativePath": "in/x.csv"}}',
        ),
        "dataPathAssignments.__proto__",
      ],
      ["the body itself", definitionText('"__proto__": {"status": "Disabled"}'), "__proto__"],
      [
        "the trigger",
        JSON.stringify(definition()).replace('"interval":1', '"interval":1,"__proto__":{}'),
        "trigger.__proto__",
      ],
    ])("refuses a __proto__ key in %s", async (_where, body, path) => {
      await expectProblem(
        await api.call("POST", "/schedules", { body }),
        badRequest([{ path, message: PROTO_KEY }]),
      );
    });

    it("refuses a __proto__ key in the Tags of a submission", async () => {
      const response = await api.call("POST", `/pipelines/${PIPELINE_ID}/submit`, {
        body: '{"ExperimentName": "MyExperiment", "Tags": {"__proto__": {"team": "x"}}}',
      });
      await expectProblem(response, badRequest([{ path: "Tags.__proto__", message: PROTO_KEY }]));
    });

    it("refuses a __proto__ key in a PATCH, at any depth", async () => {
      const response = await api.call("PATCH", `/schedules/${existingId}`, {
        body: '{"__proto__": {"name": "x"}, "policy": {"__proto__": {"catchUp": "all"}}}',
        headers: { "Content-Type": "application/merge-patch+json" },
      });
      await expectProblem(
        response,
        badRequest([
          { path: "__proto__", message: PROTO_KEY },
          { path: "policy.__proto__", message: PROTO_KEY },
        ]),
      );
    });

    it("refuses integers beyond 2^53 and says to send a string", async () => {
      const body = definitionText(
        '"parameterAssignments": {"seed": 9007199254740993, "low": -9007199254740993, "big": 1e300, "ok": 9007199254740991}',
      );
      await expectProblem(
        await api.call("POST", "/schedules", { body }),
        badRequest([
          { path: "parameterAssignments.seed", message: BEYOND },
          { path: "parameterAssignments.low", message: BEYOND },
          { path: "parameterAssignments.big", message: BEYOND },
        ]),
      );
    });

    it("refuses an integer beyond 2^53 in an array and in a submission", async () => {
      await expectProblem(
        await api.call("POST", "/triggers/preview", {
          body: '{"trigger": {"type": "recurrence", "frequency": "Day", "interval": 1, "hours": [1, 9007199254740992]}}',
        }),
        badRequest([{ path: "trigger.hours[1]", message: BEYOND }]),
      );
      await expectProblem(
        await api.call("POST", `/pipelines/${PIPELINE_ID}/submit`, {
          body: '{"ExperimentName": "MyExperiment", "ParameterAssignments": {"seed": 12345678901234567890}}',
        }),
        badRequest([{ path: "ParameterAssignments.seed", message: BEYOND }]),
      );
    });

    const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).filter(
      (name) => name !== "__proto__",
    );
    const places: [string, (name: string) => Record<string, unknown>][] = [
      ["the body", (name) => definition({ [name]: 1 })],
      ["target", (name) => definition({ target: { pipelineId: PIPELINE_ID, [name]: 1 } })],
      [
        "trigger",
        (name) => definition({ trigger: { type: "recurrence", frequency: "Day", interval: 1, [name]: 1 } }),
      ],
      ["trigger", (name) => definition({ trigger: { type: "cron", expression: "0 2 * * *", [name]: 1 } })],
      ["policy", (name) => definition({ policy: { catchUp: "none", [name]: 1 } })],
      [
        "dataPathAssignments.input",
        (name) =>
          definition({
            dataPathAssignments: { input: { dataStoreName: "ws", relativePath: "x", [name]: 1 } },
          }),
      ],
    ];

    it.each(
      PROTOTYPE_NAMES.flatMap((name) => places.map(([where, body]) => [name, where, body(name)] as const)),
    )("names an unknown field %s in %s as it is", async (name, where, body) => {
      const path = where === "the body" ? name : `${where}.${name}`;
      await expectProblem(
        await api.call("POST", "/schedules", { body }),
        badRequest([{ path, message: "unknown field" }]),
      );
    });
  });

  describe("names made only of dots (11.9)", () => {
    it.each([".", "..", "..."])("refuses the schedule name %j, on create and on rename", async (name) => {
      await expectProblem(
        await api.call("POST", "/schedules", { body: definition({ name }) }),
        badRequest([{ path: "name", message: ONLY_DOTS }]),
      );
      await expectProblem(
        await api.call("PATCH", `/schedules/${existingId}`, { body: { name } }),
        badRequest([{ path: "name", message: ONLY_DOTS }]),
      );
    });

    it("refuses a pipelineVersion of dots, a segment of the submit URL", async () => {
      await expectProblem(
        await api.call("POST", "/schedules", {
          body: definition({ target: { pipelineEndpointId: PIPELINE_ID, pipelineVersion: ".." } }),
        }),
        badRequest([{ path: "target.pipelineVersion", message: ONLY_DOTS }]),
      );
      await expectProblem(
        await api.call("POST", `/pipelineEndpoints/${PIPELINE_ID}/submit?pipelineVersion=..`, {
          body: { ExperimentName: "MyExperiment" },
        }),
        badRequest([{ path: "pipelineVersion", message: ONLY_DOTS }]),
      );
    });

    it("refuses a datastore name of dots", async () => {
      const response = await api.call("PUT", "/datastores/...", {
        body: { accountUrl: "https://acct.blob.core.windows.net", containerName: "data" },
      });
      await expectProblem(
        response,
        badRequest([{ path: "name", message: "must be 1-255 letters, digits or underscores" }]),
      );
    });

    it("keeps names with dots among other characters, addressable by name", async () => {
      const created = await api.call("POST", "/schedules", { body: definition({ name: ".hidden..v2" }) });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const byName = await api.call("GET", "/schedules/.hidden..v2");
      expect(((await byName.json()) as { id: string }).id).toBe(id);
      expect((await api.call("POST", `/schedules/${id}/disable`)).status).toBe(200);
      expect((await api.call("DELETE", `/schedules/${id}`)).status).toBe(204);
    });
  });

  describe("lenient parsing (11.10)", () => {
    it.each([
      ["/schedules?top=0x10", "top"],
      ["/schedules?top=1e3", "top"],
      ["/schedules?top=%20100", "top"],
      ["/schedules?top=100%20", "top"],
      ["/schedules?top=%2B5", "top"],
      ["/schedules?top=-1", "top"],
      ["/schedules?top=1.0", "top"],
      ["/schedules?top=", "top"],
      ["/schedules/{existing}/runs?top=0x10", "top"],
      ["/schedules/{existing}/next?count=0x10", "count"],
      ["/schedules/{existing}/next?count=1e1", "count"],
    ])("refuses %s", async (path, parameter) => {
      const response = await api.call("GET", path.replace("{existing}", existingId));
      await expectProblem(response, badRequest([{ path: parameter, message: NOT_DIGITS }]));
    });

    it("takes plain digits, leading zeros included", async () => {
      const response = await api.call("GET", `/schedules/${existingId}/next?count=003`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { value: unknown[] }).value).toHaveLength(3);
    });

    it.each(["gzip", "deflate", "br", "identity, gzip"])(
      "answers 415 to Content-Encoding %s",
      async (coding) => {
        const response = await api.call("POST", "/schedules", {
          body: definition({ name: "encoded" }),
          headers: { "Content-Encoding": coding },
        });
        expect(response.headers.get("accept-encoding")).toBe("identity");
        const codings = coding.replace("identity, ", "");
        await expectProblem(
          response,
          problem(
            415,
            "Unsupported Media Type",
            `The body must not be encoded; it has Content-Encoding ${codings}.`,
          ),
        );
      },
    );

    it.each(["iso-8859-1", "utf-16", "us-ascii", '"latin1"'])(
      "answers 415 to charset %s",
      async (charset) => {
        const response = await api.call("POST", "/schedules", {
          body: definition({ name: "latin" }),
          headers: { "Content-Type": `application/json; charset=${charset}` },
        });
        await expectProblem(
          response,
          problem(
            415,
            "Unsupported Media Type",
            `The body must be UTF-8, not charset ${charset.replaceAll('"', "")}.`,
          ),
        );
      },
    );

    it("takes UTF-8 by any of its labels, and Content-Encoding identity", async () => {
      const response = await api.call("POST", "/triggers/preview", {
        body: { trigger: { type: "cron", expression: "0 2 * * *" }, count: 1 },
        headers: { "Content-Type": 'application/json; Charset="UTF8"', "Content-Encoding": "identity" },
      });
      expect(response.status).toBe(200);
    });

    it.each(["PATCH", "DELETE", "POST /disable"])("answers 400 to an empty If-Match on %s", async (verb) => {
      const [method, suffix = ""] = verb.split(" ");
      const response = await api.call(method!, `/schedules/${existingId}${suffix}`, {
        ...(method === "PATCH" ? { body: { description: "changed" } } : {}),
        headers: { "If-Match": "" },
      });
      await expectProblem(
        response,
        badRequest([{ path: "If-Match", message: 'is empty; give the schedule\'s ETag, or "*" for any' }]),
      );
    });

    it("still matches a real If-Match", async () => {
      const response = await api.call("POST", `/schedules/${existingId}/disable`, {
        headers: { "If-Match": existingEtag },
      });
      expect(response.status).toBe(200);
      const enabled = await api.call("POST", `/schedules/${existingId}/enable`, {
        headers: { "If-Match": "*" },
      });
      expect(enabled.status).toBe(200);
      baseline = { schedules: await listAll(), runs: await runsOf(existingId) };
    });
  });

  describe("a name held by an unfinished write (11.13)", () => {
    it("answers 409 with Retry-After, saying the name is held, then lets the name be taken over", async () => {
      const table = TableClient.fromConnectionString(
        testStorageConnectionString(),
        `${api.storagePrefix}${TABLE_NAMES.schedules}`,
        { allowInsecureConnection: true },
      );
      // What a create that crashed after its first step leaves: the name row, and no schedule row.
      await table.createEntity(nameEntity("half-written", "0123456789abcdef0123456789abcdef", new Date()));

      const response = await api.call("POST", "/schedules", { body: definition({ name: "half-written" }) });
      const retryAfter = Number(response.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      await expectProblem(
        response,
        problem(
          409,
          "Conflict",
          'The name "half-written" is held by an unfinished write (a create or rename in progress, or stopped by a ' +
            "crash); it is released 60 s after that write began, unless the write completes",
        ),
      );
      expect((await api.call("GET", "/schedules/half-written")).status).toBe(404);

      // A minute later the row is what a crash left behind, and the name is free.
      await table.upsertEntity(
        nameEntity("half-written", "0123456789abcdef0123456789abcdef", new Date(Date.now() - 61_000)),
        "Replace",
      );
      const created = await api.call("POST", "/schedules", { body: definition({ name: "half-written" }) });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      expect((await api.call("POST", `/schedules/${id}/disable`)).status).toBe(200);
      expect((await api.call("DELETE", `/schedules/${id}`)).status).toBe(204);
    });

    it("keeps the plain 409 for a name a schedule has", async () => {
      const response = await api.call("POST", "/schedules", { body: definition({ name: "existing" }) });
      expect(response.headers.get("retry-after")).toBeNull();
      await expectProblem(response, problem(409, "Conflict", 'A schedule named "existing" already exists'));
    });
  });
});
