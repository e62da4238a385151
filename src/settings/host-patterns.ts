import { isIP } from "node:net";
import { ValidationError } from "../errors.js";

/**
 * Host allow-lists of CONTRACT 3 (`AML_TOKEN_HOSTS`, `ALLOWED_ENDPOINT_HOSTS`): a pattern is a host name
 * without port; `*.` matches one or more labels in front of the rest, never the bare domain.
 */

/** Lowercase, without port, brackets or a trailing dot, so `[::1]:8080` and `::1` compare equal. */
function canonicalHost(host: string): string {
  let text = host.trim().toLowerCase();
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    text = end === -1 ? text.slice(1) : text.slice(1, end);
  } else if (text.split(":").length === 2) {
    text = text.slice(0, text.indexOf(":"));
  }
  return text.endsWith(".") ? text.slice(0, -1) : text;
}

export function hostMatches(host: string, patterns: readonly string[]): boolean {
  const candidate = canonicalHost(host);
  if (candidate === "") return false;
  return patterns.some((rawPattern) => {
    const pattern = rawPattern.trim().toLowerCase();
    if (!pattern.startsWith("*.")) return canonicalHost(pattern) === candidate;
    // A wildcard names DNS subdomains; it never matches an IP address (as in RFC 6125 6.4.3).
    if (isIP(candidate) !== 0) return false;
    const suffix = canonicalHost(pattern.slice(1));
    if (!candidate.endsWith(suffix)) return false;
    const labels = candidate.slice(0, -suffix.length);
    return labels.length > 0 && labels.split(".").every((label) => label.length > 0);
  });
}

/** 127.0.0.0/8, `localhost` and `::1`: the hosts the local host may target over plain http (CONTRACT 3, 5). */
export function isLoopbackHost(host: string): boolean {
  const candidate = canonicalHost(host);
  if (candidate === "localhost" || candidate === "::1") return true;
  return isIP(candidate) === 4 && candidate.startsWith("127.");
}

export interface EndpointCheckOptions {
  /** The local host allows loopback endpoints over http whatever ALLOWED_ENDPOINT_HOSTS says. */
  allowLoopback: boolean;
  /** The field the error names; `target.endpointUrl` unless the URL was derived from another target field. */
  path?: string;
  /** The setting the patterns come from, named in the error; `ALLOWED_ENDPOINT_HOSTS` unless given. */
  settingName?: string;
}

/**
 * Throws a ValidationError unless the URL may receive pipeline submissions (CONTRACT 3), or, with the
 * notification patterns and `settingName`, notifications (CONTRACT 8): the rule is the same.
 */
export function checkEndpointAllowed(
  url: URL,
  allowedPatterns: readonly string[],
  options: EndpointCheckOptions,
): void {
  const path = options.path ?? "target.endpointUrl";
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw ValidationError.single(path, `must be an https URL, not ${url.protocol}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw ValidationError.single(path, "must not contain a user name or password");
  }
  if (options.allowLoopback && isLoopbackHost(url.hostname)) return;
  if (url.protocol !== "https:") {
    throw ValidationError.single(
      path,
      options.allowLoopback
        ? "must be an https URL (http is allowed only for loopback hosts)"
        : "must be an https URL",
    );
  }
  if (!hostMatches(url.hostname, allowedPatterns)) {
    throw ValidationError.single(
      path,
      `host ${url.hostname} is not allowed; ${options.settingName ?? "ALLOWED_ENDPOINT_HOSTS"} is ${allowedPatterns.join(",") || "empty"}`,
    );
  }
}
