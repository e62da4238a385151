import { JSON_CONTENT_TYPE, MERGE_PATCH_CONTENT_TYPE } from "../../api/request-body.js";

/**
 * What the local host trusts (CONTRACT 5): only its own machine. A web page the developer visits can send
 * requests to 127.0.0.1 too; these rules make sure it cannot drive the host:
 * - the Host must be the host's own loopback authority, so that a page on another name that resolves to
 *   127.0.0.1 (DNS rebinding) is not answered;
 * - a request whose Origin is not the host's own is refused, whatever it asks;
 * - a write must be `application/json` (or `application/merge-patch+json` for PATCH). A cross-site page can send
 *   that only after a CORS preflight, which this host never grants (Fetch standard, "CORS-safelisted
 *   request-header": Content-Type is safelisted only for form, multipart and text/plain).
 */

/** The parts of a request these rules read; header values as received, undefined when absent. */
export interface UntrustedRequest {
  method: string;
  host: string | undefined;
  origin: string | undefined;
  contentType: string | undefined;
  /** Whether the request has a body (Content-Length over 0, or a Transfer-Encoding). */
  hasBody: boolean;
}

export interface Refusal {
  status: 403 | 415;
  detail: string;
  headers?: Record<string, string>;
}

/** Methods a write comes with; GET, HEAD and OPTIONS change nothing here. */
const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

/** Why the local host on `port` refuses the request, or undefined when it may serve it. */
export function refusalOf(request: UntrustedRequest, port: number): Refusal | undefined {
  const authorities = ownAuthorities(port);
  const host = request.host?.trim().toLowerCase();
  if (host === undefined || !authorities.includes(host)) {
    return {
      status: 403,
      detail:
        `This host answers only requests addressed to ${describeList(authorities.filter((name) => name.includes(":")))}` +
        (host === undefined ? "; the request has no Host header." : `, not to ${host}.`),
    };
  }
  if (request.origin !== undefined) {
    const origin = request.origin.trim().toLowerCase();
    if (!authorities.some((authority) => origin === `http://${authority}`)) {
      return {
        status: 403,
        detail: `Requests from web pages of other origins are refused; ${origin} is not this host's own origin.`,
      };
    }
  }
  const method = request.method.toUpperCase();
  if (!WRITE_METHODS.has(method)) return undefined;
  const mediaTypes = method === "PATCH" ? [MERGE_PATCH_CONTENT_TYPE, JSON_CONTENT_TYPE] : [JSON_CONTENT_TYPE];
  const mediaType = request.contentType?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== undefined && mediaTypes.includes(mediaType)) return undefined;
  // The status page's buttons POST without a body, and a browser sends its own Origin with every POST; a page
  // cannot set Origin (a forbidden header name), so a body-less write from the host's own origin is its own page.
  if (mediaType === undefined && !request.hasBody && request.origin !== undefined) return undefined;
  return {
    status: 415,
    detail:
      `The local host takes ${method} requests only as ${describeList(mediaTypes)}, also without a body, so that ` +
      `no web page can send them; ${mediaType === undefined ? "no Content-Type was given" : `not ${mediaType}`}.`,
    // RFC 9110 section 12.5.1: Accept in a response names the media types preferred in a request's content.
    headers: { Accept: mediaTypes.join(", ") },
  };
}

/** `name:port` for every loopback name, and the bare name too on port 80, where clients leave the port out. */
function ownAuthorities(port: number): string[] {
  return LOOPBACK_NAMES.flatMap((name) => (port === 80 ? [`${name}:${port}`, name] : [`${name}:${port}`]));
}

function describeList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1) ?? ""}`;
}
