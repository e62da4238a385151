import type { TokenCredential } from "@azure/identity";
import { ValidationError } from "../errors.js";
import type { EndpointPolicy } from "./endpoint-url.js";
import { checkEndpointAllowed, hostMatches, isLoopbackHost } from "../settings/host-patterns.js";

/**
 * What every request to an Azure ML endpoint (a submission, a status read) is allowed to do (CONTRACT 3, 6): one
 * kind of token, for its scope, to its own hosts. v1 uses AML_TOKEN_SCOPE / AML_TOKEN_HOSTS; v2 the invoke and the
 * Resource Manager kinds (src/submit/v2/v2-access.ts).
 */
export interface AmlAccess {
  /** `DefaultAzureCredential` in production; it caches and refreshes tokens. */
  tokenProvider: TokenCredential;
  /** AML_TOKEN_SCOPE (v1), AML_INVOKE_TOKEN_SCOPE or AML_ARM_TOKEN_SCOPE. */
  tokenScope: string;
  /** AML_TOKEN_HOSTS (v1), AML_INVOKE_TOKEN_HOSTS or the host of AML_ARM_BASE_URL: these and no others. */
  tokenHosts: readonly string[];
  /** Checked again before each request, as the settings may have narrowed since the run was made. */
  endpointPolicy: EndpointPolicy;
}

export type AmlRequestHeaders =
  | { kind: "ready"; headers: Record<string, string>; token: string | null }
  /** The endpoint is not (or no longer) allowed: asking again gets the same answer. */
  | { kind: "refused"; message: string }
  /** No token could be had now: worth trying again later. */
  | { kind: "noToken"; message: string };

/**
 * The headers of a request to `url`: refused when the endpoint rules forbid the host, and with a bearer token
 * only when the host matches AML_TOKEN_HOSTS.
 */
export async function amlRequestHeaders(
  url: URL,
  access: AmlAccess,
  signal: AbortSignal,
  headers: Record<string, string>,
): Promise<AmlRequestHeaders> {
  try {
    checkEndpointAllowed(url, access.endpointPolicy.allowedHosts, {
      allowLoopback: access.endpointPolicy.allowLoopback,
      ...(access.endpointPolicy.listName === undefined
        ? {}
        : { settingName: access.endpointPolicy.listName }),
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { kind: "refused", message: `The endpoint ${url.origin} ${error.issues[0]?.message}` };
  }
  // No token to loopback, whatever a list says (CONTRACT 6): the local sandbox and the tests need none.
  if (isLoopbackHost(url.hostname) || !hostMatches(url.hostname, access.tokenHosts)) {
    return { kind: "ready", headers, token: null };
  }
  let token: string | null;
  try {
    token = (await access.tokenProvider.getToken(access.tokenScope, { abortSignal: signal }))?.token ?? null;
  } catch (error) {
    return {
      kind: "noToken",
      message: `Could not get a token for ${access.tokenScope}: ${describeError(error)}`,
    };
  }
  if (token === null) return { kind: "noToken", message: `Could not get a token for ${access.tokenScope}` };
  return { kind: "ready", headers: { ...headers, Authorization: `Bearer ${token}` }, token };
}

/** Node's fetch reports network failures as `TypeError: fetch failed` with the socket error as its cause. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code === undefined ? `${error.message} (${cause.message})` : `${error.message} (${code})`;
  }
  return error.message;
}

/** A token must never reach a message, a log line or a stored run, even if an endpoint echoes it. */
export function redact(message: string, token: string | null): string {
  return token === null || token === "" ? message : message.split(token).join("[redacted]");
}
