import type { HttpRequest } from "@azure/functions";

/**
 * The absolute URLs this service hands out for a caller to follow (CONTRACT 4, submit and wait): Logic Apps'
 * HTTP action and Data Factory's Web activity poll the `Location` of a 202 exactly as given, so it must be
 * absolute and carry the caller's function key.
 */

type RequestParts = Pick<HttpRequest, "url" | "headers" | "query">;

/** A host name, IPv4 or bracketed IPv6 literal, with an optional port: what a Host header may hold (RFC 9110 7.2). */
const HOST_WITH_PORT =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * `<scheme>://<host>` as the caller reached the service. Behind a proxy, a gateway or a custom domain (Front
 * Door, API Management, App Service's own TLS front end) the request's URL names the hop before this host; the
 * proxy says what the caller used in `X-Forwarded-Host` and `X-Forwarded-Proto` (the de facto headers MDN
 * documents; the first entry is the client-facing one when proxies chain). A value that is not a host, or a
 * scheme other than http(s), is ignored rather than echoed into a URL.
 */
export function publicOrigin(request: Pick<HttpRequest, "url" | "headers">): string {
  const url = new URL(request.url);
  const forwardedHost = firstEntry(request.headers.get("x-forwarded-host"));
  const forwardedProto = firstEntry(request.headers.get("x-forwarded-proto"))?.toLowerCase();
  const host = forwardedHost !== undefined && HOST_WITH_PORT.test(forwardedHost) ? forwardedHost : url.host;
  const scheme =
    forwardedProto === "https" || forwardedProto === "http" ? forwardedProto : url.protocol.slice(0, -1);
  return `${scheme}://${host}`;
}

/**
 * The function key the caller sent: `?code=` or the `x-functions-key` header, the two places Azure Functions
 * reads it from (Azure Functions HTTP trigger docs, "API key authorization"). The query wins, as it does there.
 */
export function functionKeyOf(request: Pick<HttpRequest, "headers" | "query">): string | undefined {
  const fromQuery = request.query.get("code");
  if (fromQuery !== null && fromQuery !== "") return fromQuery;
  const fromHeader = request.headers.get("x-functions-key");
  return fromHeader !== null && fromHeader !== "" ? fromHeader : undefined;
}

/**
 * `<origin>/api/runs/{runId}/wait`, with `?code=<key>` when the caller sent a key: the key goes back only to the
 * host the caller itself named, so it reaches no host but its own.
 */
export function runWaitUrl(runId: string, request: RequestParts): string {
  const url = new URL(`/api/runs/${encodeURIComponent(runId)}/wait`, publicOrigin(request));
  const key = functionKeyOf(request);
  if (key !== undefined) url.searchParams.set("code", key);
  return url.toString();
}

function firstEntry(header: string | null): string | undefined {
  const first = header?.split(",")[0]?.trim();
  return first === undefined || first === "" ? undefined : first;
}
