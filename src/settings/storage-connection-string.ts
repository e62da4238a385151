import { urlProblem } from "./setting-rules.js";

/**
 * Azure Storage connection strings, parsed once and completely, so that a value accepted at start can never
 * fail later inside an SDK (CONTRACT 6). The format is Microsoft's "Configure Azure Storage connection strings"
 * (https://learn.microsoft.com/azure/storage/common/storage-configure-connection-string): `Key=Value` pairs
 * separated by `;`, keys in any case. Endpoints come out as the SDKs would derive them
 * (@azure/storage-blob `extractConnectionStringParts`: `<protocol>://<account>.<service>.<suffix>` unless the
 * string names the endpoint), and the clients are then built from these parts, never from the raw string.
 * Stricter than the SDKs where they are lenient: an account key must be base64 (the SDKs decode any text,
 * and fail at the first request), unknown keys and repeated keys are refused. Problems never repeat a value.
 */

export type StorageService = "blob" | "queue" | "table";

export interface StorageConnection {
  /** The account's endpoints, without a trailing `/`; only those the caller asked for are guaranteed. */
  endpoints: Partial<Record<StorageService, string>>;
  credential:
    | { kind: "sharedKey"; accountName: string; accountKey: string }
    | { kind: "sas"; sharedAccessSignature: string };
}

/** Azurite's (and the Storage Emulator's) well-known account (the same docs page). */
export const DEVELOPMENT_ACCOUNT = {
  name: "devstoreaccount1",
  key: "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
  endpoints: {
    blob: "http://127.0.0.1:10000/devstoreaccount1",
    queue: "http://127.0.0.1:10001/devstoreaccount1",
    table: "http://127.0.0.1:10002/devstoreaccount1",
  },
} as const;

const ENDPOINT_KEYS = { blob: "BlobEndpoint", queue: "QueueEndpoint", table: "TableEndpoint" } as const;

/** Every key of the format, in its documented spelling. Files and secondary endpoints are read but unused. */
const KNOWN_KEYS = [
  "DefaultEndpointsProtocol",
  "AccountName",
  "AccountKey",
  "EndpointSuffix",
  "SharedAccessSignature",
  "UseDevelopmentStorage",
  "BlobEndpoint",
  "QueueEndpoint",
  "TableEndpoint",
  "FileEndpoint",
  "BlobSecondaryEndpoint",
  "QueueSecondaryEndpoint",
  "TableSecondaryEndpoint",
  "FileSecondaryEndpoint",
] as const;
type Key = (typeof KNOWN_KEYS)[number];

/** The public cloud's suffix, which the .NET SDK (and so the Functions host) assumes when none is given. */
const DEFAULT_ENDPOINT_SUFFIX = "core.windows.net";

const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HOST_SUFFIX = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;

export type ParsedConnectionString =
  { ok: true; connection: StorageConnection } | { ok: false; problem: string };

/**
 * Parses `text`, requiring an endpoint for each of `services`. Answers the connection, or a problem that names
 * the key at fault (never its value).
 */
export function parseStorageConnectionString(
  text: string,
  services: readonly StorageService[],
): ParsedConnectionString {
  const fail = (problem: string): ParsedConnectionString => ({ ok: false, problem });
  const values = new Map<Key, string>();
  for (const segment of text.split(";")) {
    const part = segment.trim();
    if (part === "") continue;
    const equals = part.indexOf("=");
    if (equals <= 0) return fail("has a part that is not Key=Value");
    const written = part.slice(0, equals).trim();
    const key = KNOWN_KEYS.find((known) => known.toLowerCase() === written.toLowerCase());
    // A key name is echoed only when it cannot be a fragment of a secret.
    if (key === undefined)
      return fail(`has an unknown key${/^[A-Za-z]{1,40}$/.test(written) ? ` ${written}` : ""}`);
    if (values.has(key)) return fail(`gives ${key} twice`);
    const value = part.slice(equals + 1).trim();
    if (value === "") return fail(`has an empty ${key}`);
    values.set(key, value);
  }
  if (values.size === 0) return fail("is empty");

  if (values.has("UseDevelopmentStorage")) {
    if (values.get("UseDevelopmentStorage")?.toLowerCase() !== "true" || values.size > 1) {
      return fail("must be UseDevelopmentStorage=true alone, or name an account");
    }
    const { name, key, endpoints } = DEVELOPMENT_ACCOUNT;
    return {
      ok: true,
      connection: {
        endpoints: { ...endpoints },
        credential: { kind: "sharedKey", accountName: name, accountKey: key },
      },
    };
  }

  const accountName = values.get("AccountName");
  if (accountName !== undefined && !ACCOUNT_NAME.test(accountName)) {
    return fail("has an AccountName that is not a storage account name (3-24 lowercase letters and digits)");
  }
  const accountKey = values.get("AccountKey");
  const sas = values.get("SharedAccessSignature")?.replace(/^\?/, "");
  let credential: StorageConnection["credential"];
  if (accountKey !== undefined && sas !== undefined) {
    return fail("gives both AccountKey and SharedAccessSignature; keep one");
  } else if (accountKey !== undefined) {
    if (accountName === undefined) return fail("has an AccountKey without AccountName");
    if (!BASE64.test(accountKey)) return fail("has an AccountKey that is not base64");
    credential = { kind: "sharedKey", accountName, accountKey };
  } else if (sas !== undefined) {
    if (sas === "" || /[\s#]/.test(sas))
      return fail("has a SharedAccessSignature that is not a query string");
    credential = { kind: "sas", sharedAccessSignature: sas };
  } else {
    return fail("needs AccountName with AccountKey, or SharedAccessSignature");
  }

  const protocol = values.get("DefaultEndpointsProtocol")?.toLowerCase() ?? "https";
  if (protocol !== "https" && protocol !== "http")
    return fail("has a DefaultEndpointsProtocol other than https or http");
  const suffix = values.get("EndpointSuffix") ?? DEFAULT_ENDPOINT_SUFFIX;
  if (!HOST_SUFFIX.test(suffix))
    return fail("has an EndpointSuffix that is not a DNS suffix such as core.windows.net");

  const endpoints: StorageConnection["endpoints"] = {};
  for (const service of ["blob", "queue", "table"] as const) {
    const key = ENDPOINT_KEYS[service];
    const given = values.get(key);
    if (given !== undefined) {
      // Azurite and custom domains put the account in the path; plain http is for loopback (Azurite) only.
      const problem = urlProblem(given, {
        example: `https://myaccount.${service}.core.windows.net`,
        allowPath: true,
        allowLoopbackHttp: true,
      });
      if (problem !== undefined) return fail(`has a ${key} that ${problem}`);
      endpoints[service] = given.replace(/\/+$/, "");
    } else if (accountName !== undefined && protocol === "https") {
      endpoints[service] = `https://${accountName}.${service}.${suffix.toLowerCase()}`;
    } else if (accountName !== undefined && services.includes(service)) {
      // A derived endpoint is never loopback, and plain http is for loopback only.
      return fail(
        `has DefaultEndpointsProtocol=http without ${key}; http is allowed only for loopback endpoints`,
      );
    } else if (services.includes(service)) {
      return fail(`needs ${key} (or AccountName, to derive it)`);
    }
  }
  return { ok: true, connection: { endpoints, credential } };
}

/** The one message for an unusable connection string: the setting's name and what is wrong, never its value. */
export function connectionStringMessage(problem: string): string {
  return `must be a storage connection string (UseDevelopmentStorage=true, or DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=..., or endpoints with a SharedAccessSignature): it ${problem}`;
}
