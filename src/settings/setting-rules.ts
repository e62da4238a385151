import { isIP } from "node:net";
import { z } from "zod";
import { isLoopbackHost } from "./host-patterns.js";

/**
 * The rules every setting of CONTRACT 6 of one kind follows, each a zod schema for one app setting so that a
 * new setting is one line of the settings schema: `AML_ARM_BASE_URL: urlSetting({ ... })`. Blank values count
 * as unset (the Bicep sets empty strings for settings it leaves unset). Messages never repeat the value, which
 * may carry a secret.
 */

/** A value, trimmed; blank is unset. */
export const blankAsUnset = z
  .string()
  .optional()
  .transform((text) => (text === undefined || text.trim() === "" ? undefined : text.trim()));

export interface UrlRule {
  /** Shown in the message, e.g. `https://westeurope.api.azureml.ms`. */
  example: string;
  /** Whether a path is kept (a base URL behind a proxy, Azurite's `/devstoreaccount1`); else only `/`. */
  allowPath: boolean;
  /**
   * Plain `http` for loopback hosts (the local sandbox, Azurite), which never get a token: the caller sends
   * none there. False where the URL is always reached with a token (identity-based storage), as a token never
   * goes to loopback nor over plain http (CONTRACT 6).
   */
  allowLoopbackHttp: boolean;
}

/**
 * What is wrong with `text` as a URL setting, checked by parts so that nothing the service appends can be cut
 * off or redirected: an absolute `https` URL (`http` only for loopback hosts, when allowed), a host name, and no
 * user name, password, query or fragment (with a query or a fragment, the submit URLs built on a base lose
 * their path; credentials would be sent to whoever answers).
 */
export function urlProblem(text: string, rule: UrlRule): string | undefined {
  const expected = `must be an absolute https URL such as ${rule.example}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return expected;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return expected;
  if (url.hostname === "") return `${expected}, with a host`;
  if (url.username !== "" || url.password !== "" || text.includes("@")) {
    return "must not contain a user name or password";
  }
  // `new URL` drops an empty `?` or `#`; the text itself must not have them either.
  if (url.search !== "" || text.includes("?")) return "must not have a query string";
  if (url.hash !== "" || text.includes("#")) return "must not have a fragment";
  if (!rule.allowPath && url.pathname !== "/") return "must not have a path";
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === "http:") {
    if (!rule.allowLoopbackHttp) return expected;
    if (!loopback) return `${expected} (plain http only for loopback hosts)`;
  } else if (loopback && !rule.allowLoopbackHttp) {
    return "must not be a loopback host: no token is sent to loopback";
  }
  return undefined;
}

/** An optional URL setting; with `default`, the default when unset. */
export function urlSetting(rule: UrlRule & { default: string }): z.ZodType<string, string | undefined>;
export function urlSetting(rule: UrlRule): z.ZodType<string | undefined, string | undefined>;
export function urlSetting(rule: UrlRule & { default?: string }): z.ZodType<string | undefined> {
  return blankAsUnset
    .transform((text) => text ?? rule.default)
    .superRefine((text, context) => {
      const problem = text === undefined ? undefined : urlProblem(text, rule);
      if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
    });
}

/**
 * A token scope (Microsoft identity platform): a resource URI followed by `/.default`, such as
 * `https://management.azure.com/.default` or `api://<app id>/.default`
 * (https://learn.microsoft.com/entra/identity-platform/scopes-oidc#the-default-scope).
 */
export function tokenScopeProblem(text: string): string | undefined {
  const expected = "must be a scope URI ending in /.default, such as https://management.azure.com/.default";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return expected;
  }
  const plain = url.username === "" && url.password === "" && url.search === "" && url.hash === "";
  const scheme = url.protocol === "https:" || url.protocol === "api:";
  if (
    !scheme ||
    !plain ||
    url.hostname === "" ||
    /[\s?#@]/.test(text) ||
    !url.pathname.endsWith("/.default")
  ) {
    return expected;
  }
  return undefined;
}

/** A token scope setting with its default. */
export function tokenScopeSetting(defaultScope: string): z.ZodType<string, string | undefined> {
  return blankAsUnset
    .transform((text) => text ?? defaultScope)
    .superRefine((text, context) => {
      const problem = tokenScopeProblem(text);
      if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
    });
}

const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

export interface HostListRule {
  /** Used when the setting is unset or blank. */
  default: string;
  /**
   * The list says where a token goes (AML_TOKEN_HOSTS, ALLOWED_DATASTORE_HOSTS): loopback hosts are refused,
   * as no token is sent to loopback (CONTRACT 6).
   */
  receivesToken: boolean;
}

/**
 * What is wrong with one host pattern (CONTRACT 3: a host name without port, `*.` matching any subdomain), or
 * undefined. A wildcard must keep at least two labels (`*.com` would match every .com host).
 */
export function hostPatternProblem(
  pattern: string,
  rule: Pick<HostListRule, "receivesToken">,
): string | undefined {
  if (!HOST_PATTERN.test(pattern) || pattern.split(".").some((label) => label === "" || label.length > 63)) {
    return `must list host names, each optionally starting with "*." (no scheme, port or path), not ${JSON.stringify(pattern)}`;
  }
  if (pattern.startsWith("*.")) {
    const suffix = pattern.slice(2);
    if (!suffix.includes(".")) {
      return `must not have ${JSON.stringify(pattern)}, a wildcard over a whole top-level domain; name the service's own domain, e.g. *.api.azureml.ms`;
    }
    if (isIP(suffix) !== 0 || /^[0-9.]+$/.test(suffix)) {
      return `must not have ${JSON.stringify(pattern)}: a wildcard never matches an IP address`;
    }
  }
  if (rule.receivesToken && isLoopbackHost(pattern)) {
    return `must not name ${JSON.stringify(pattern)}, a loopback host: no token is sent to loopback`;
  }
  return undefined;
}

/** A comma-separated list of host patterns, lowercase; never empty. */
export function hostListSetting(rule: HostListRule): z.ZodType<string[], string | undefined> {
  return blankAsUnset
    .transform((text) =>
      (text ?? rule.default)
        .split(",")
        .map((pattern) => pattern.trim().toLowerCase())
        .filter((pattern) => pattern !== ""),
    )
    .superRefine((patterns, context) => {
      if (patterns.length === 0) {
        context.addIssue({
          code: "custom",
          message: `must name at least one host pattern (comma-separated, e.g. ${rule.default}); leave it unset for the default`,
        });
      }
      for (const pattern of patterns) {
        const problem = hostPatternProblem(pattern, rule);
        if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
      }
    });
}

/** App setting names as Azure App Service accepts them (letters, digits, `_`, `.`, `-`, `:` for nesting). */
export const APP_SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,255}$/;

/** A comma-separated list of app setting names; unset means none. */
export function settingNameListSetting(): z.ZodType<string[], string | undefined> {
  const split = (text: string) =>
    text
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name !== "");
  return blankAsUnset
    .superRefine((text, context) => {
      if (text === undefined) return;
      const names = split(text);
      if (names.length === 0) {
        context.addIssue({
          code: "custom",
          message: "must name at least one app setting; leave it unset for none",
        });
      }
      for (const name of names) {
        if (!APP_SETTING_NAME.test(name)) {
          context.addIssue({
            code: "custom",
            message: `must list app setting names (letters, digits, _ . - :), not ${JSON.stringify(name)}`,
          });
        }
      }
    })
    .transform((text) => (text === undefined ? [] : split(text)));
}

export interface IntegerRule {
  /** Used when the setting is unset or blank. */
  default: number;
  min: number;
  max: number;
  /** What the number counts, for the message (`hours`); none for a plain count. */
  unit?: string;
}

/** A whole number in decimal digits within [min, max]; blank is the default. */
export function integerSetting(rule: IntegerRule): z.ZodType<number, string | undefined> {
  const counted = rule.unit === undefined ? "" : ` of ${rule.unit}`;
  const expected = `must be a whole number${counted} from ${rule.min} to ${rule.max}`;
  return blankAsUnset.transform((text, context) => {
    if (text === undefined) return rule.default;
    const value = /^[0-9]{1,9}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(value) || value < rule.min || value > rule.max) {
      context.addIssue({ code: "custom", message: `${expected}; leave it unset for ${rule.default}` });
      return z.NEVER;
    }
    return value;
  });
}

/** What the Functions host appends to a queue's name for the queue of messages it gave up on. */
export const POISON_QUEUE_SUFFIX = "-poison";

/**
 * A Storage Queue name (Queue service REST API, "Naming queues and metadata": 3-63 lowercase letters, digits and
 * single dashes, starting and ending with a letter or digit), short enough that `<name>-poison` is one too.
 */
export function queueNameSetting(defaultName: string): z.ZodType<string, string | undefined> {
  const maxLength = 63 - POISON_QUEUE_SUFFIX.length;
  return blankAsUnset
    .transform((text) => text ?? defaultName)
    .superRefine((name, context) => {
      if (name.length < 3 || name.length > maxLength || !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) {
        context.addIssue({
          code: "custom",
          message:
            `must be a queue name: 3-${maxLength} lowercase letters, digits and single dashes, starting and ending ` +
            `with a letter or digit (so that ${POISON_QUEUE_SUFFIX} can follow it), e.g. ${defaultName}`,
        });
      }
    });
}
