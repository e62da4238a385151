import type { TokenCredential } from "@azure/identity";
import { isLoopbackHost } from "../../settings/host-patterns.js";
import type { Settings } from "../../settings/settings.js";
import type { AmlAccess } from "../aml-access.js";

/**
 * The two kinds of token Azure ML v2 needs, each for its scope and its own hosts only (CONTRACT 6): the Resource
 * Manager token (AML_ARM_TOKEN_SCOPE) to the host of AML_ARM_BASE_URL, for lookups, jobs and statuses; the invoke
 * token (AML_INVOKE_TOKEN_SCOPE, the `https://ml.azure.com` audience of MicrosoftDocs/azure-ai-docs
 * `articles/machine-learning/how-to-authenticate-batch-endpoint.md`) to AML_INVOKE_TOKEN_HOSTS, for batch endpoint
 * invocations. Neither goes to loopback (the local sandbox), which `amlRequestHeaders` also refuses.
 */
export interface V2Access {
  arm: AmlAccess;
  invoke: AmlAccess;
}

export type V2AccessSettings = Pick<
  Settings,
  "AML_ARM_BASE_URL" | "AML_ARM_TOKEN_SCOPE" | "AML_INVOKE_TOKEN_SCOPE" | "AML_INVOKE_TOKEN_HOSTS"
>;

export function v2Access(
  settings: V2AccessSettings,
  credential: TokenCredential,
  allowLoopbackEndpoints: boolean,
): V2Access {
  return {
    arm: armAccess(settings, credential),
    invoke: invokeAccess(settings, credential, allowLoopbackEndpoints),
  };
}

/** Requests to Resource Manager: only to AML_ARM_BASE_URL's host, with a token unless that host is loopback. */
export function armAccess(
  settings: Pick<Settings, "AML_ARM_BASE_URL" | "AML_ARM_TOKEN_SCOPE">,
  credential: TokenCredential,
): AmlAccess {
  const host = new URL(settings.AML_ARM_BASE_URL).hostname;
  const loopback = isLoopbackHost(host);
  return {
    tokenProvider: credential,
    tokenScope: settings.AML_ARM_TOKEN_SCOPE,
    tokenHosts: loopback ? [] : [host],
    endpointPolicy: {
      allowedHosts: loopback ? [] : [host],
      allowLoopback: loopback,
      listName: "AML_ARM_BASE_URL",
    },
  };
}

/** Requests to batch endpoints: only to AML_INVOKE_TOKEN_HOSTS (loopback too in the local host and tests). */
export function invokeAccess(
  settings: Pick<Settings, "AML_INVOKE_TOKEN_SCOPE" | "AML_INVOKE_TOKEN_HOSTS">,
  credential: TokenCredential,
  allowLoopbackEndpoints: boolean,
): AmlAccess {
  return {
    tokenProvider: credential,
    tokenScope: settings.AML_INVOKE_TOKEN_SCOPE,
    tokenHosts: settings.AML_INVOKE_TOKEN_HOSTS,
    endpointPolicy: {
      allowedHosts: settings.AML_INVOKE_TOKEN_HOSTS,
      allowLoopback: allowLoopbackEndpoints,
      listName: "AML_INVOKE_TOKEN_HOSTS",
    },
  };
}
