import type { FieldIssue } from "../errors.js";
import { isServiceStorageSetting } from "../settings/settings.js";
import { hostMatches, isLoopbackHost } from "../settings/host-patterns.js";

/**
 * Which datastores the service may open (CONTRACT 4, datastore row; CONTRACT 6, the paragraph on tokens). An
 * `accountUrl` datastore is read with the app's managed-identity token for `https://storage.azure.com`, which
 * opens every account the identity can read, the service's own state included: it may go only to a Blob
 * endpoint the operator allows. A `connectionStringSetting` datastore reads an app setting: only those the
 * operator lists, never the service's own storage. Checked on `PUT /datastores/{name}` and again before every
 * folder check, so that a row written before these rules (or by hand) sends nothing.
 */
export interface DatastoreAccessPolicy {
  /** ALLOWED_DATASTORE_HOSTS. */
  allowedHosts: readonly string[];
  /** DATASTORE_CONNECTION_SETTINGS. */
  connectionSettings: readonly string[];
  /**
   * The local host's own `workspaceblobstore` (CONTRACT 5), the one datastore that may be the service's own
   * storage, exactly as the host registers it; undefined in Azure.
   */
  ownStorageDatastore?: DatastoreAccess;
}

/** What decides where a datastore's requests go. */
export interface DatastoreAccess {
  name: string;
  accountUrl?: string | undefined;
  connectionStringSetting?: string | undefined;
  containerName: string;
}

/**
 * The static rules on `accountUrl`, true of every allowed value whatever the settings: `https://<host>` with no
 * port, path, query, fragment or credentials (a SAS in the query would be stored; a path or port would make
 * the host check mean less).
 */
export function accountUrlShapeProblem(text: string): string | undefined {
  const expected =
    "must be the Blob endpoint of a storage account, https://<account>.blob.core.windows.net, with no path, port, query, fragment or credentials";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return expected;
  }
  // `new URL` drops a default port (`:443`); the text must not have one either.
  const authority = (/^https:\/\/([^/?#]*)/i.exec(text)?.[1] ?? "").replace(/^\[[^\]]*\]/, "");
  const extra =
    url.username !== "" ||
    url.password !== "" ||
    url.port !== "" ||
    authority.includes(":") ||
    /[?#@]/.test(text);
  if (url.protocol !== "https:" || url.hostname === "" || url.pathname !== "/" || extra) return expected;
  return undefined;
}

/**
 * Why the service must not open this datastore, as a field issue of its definition, or undefined when it may.
 * The message for a refused setting name is one and the same whether or not such a setting exists, so that
 * callers cannot probe the app's settings.
 */
export function datastoreAccessProblem(
  datastore: DatastoreAccess,
  policy: DatastoreAccessPolicy,
): FieldIssue | undefined {
  if (policy.ownStorageDatastore !== undefined && sameAccess(datastore, policy.ownStorageDatastore)) {
    return undefined;
  }
  if (datastore.accountUrl !== undefined) {
    const shape = accountUrlShapeProblem(datastore.accountUrl);
    if (shape !== undefined) return { path: "accountUrl", message: shape };
    const host = new URL(datastore.accountUrl).hostname;
    if (isLoopbackHost(host)) {
      return {
        path: "accountUrl",
        message: "must not be a loopback host: the service's storage token is never sent to loopback",
      };
    }
    if (!hostMatches(host, policy.allowedHosts)) {
      return {
        path: "accountUrl",
        message: `host ${host} is not allowed; ALLOWED_DATASTORE_HOSTS is ${policy.allowedHosts.join(",")}`,
      };
    }
    return undefined;
  }
  const setting = datastore.connectionStringSetting;
  if (setting !== undefined) {
    if (isServiceStorageSetting(setting) || !policy.connectionSettings.includes(setting)) {
      return { path: "connectionStringSetting", message: refusedSettingMessage(policy) };
    }
    return undefined;
  }
  return {
    path: "accountUrl",
    message: "exactly one of accountUrl and connectionStringSetting is required",
  };
}

function refusedSettingMessage(policy: DatastoreAccessPolicy): string {
  const allowed = policy.connectionSettings.filter((name) => !isServiceStorageSetting(name));
  return allowed.length === 0
    ? "must name an app setting listed in DATASTORE_CONNECTION_SETTINGS, which lists none"
    : `must name an app setting listed in DATASTORE_CONNECTION_SETTINGS: ${allowed.join(", ")}`;
}

function sameAccess(a: DatastoreAccess, b: DatastoreAccess): boolean {
  return (
    a.name === b.name &&
    a.accountUrl === b.accountUrl &&
    a.connectionStringSetting === b.connectionStringSetting &&
    a.containerName === b.containerName
  );
}
