import { readFileSync } from "node:fs";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { describe, expect, it } from "vitest";
import { datastoreAccessProblem } from "../../src/datastore/datastore-access.js";
import type { DatastoreRecord } from "../../src/datastore/datastore-record.js";
import { loadSettings, SettingsError, type Settings } from "../../src/settings/settings.js";
import { storageServiceUrisFromSettings } from "../../src/state/storage-clients.js";
import { amlRequestHeaders } from "../../src/submit/aml-access.js";
import { checkEndpointAllowed } from "../../src/settings/host-patterns.js";
import { checkNotifyUrlAllowed } from "../../src/schedules/notify-url.js";
import { allowedSubmitUrlFor } from "../../src/submit/index.js";

/**
 * Issue 10, "Also": the settings docs/settings.md gives for Azure China and Azure US Government, loaded as written
 * there, point every rule at that cloud: the pipelines host gets the token of that cloud's scope, datastores of
 * that cloud's Blob suffix are allowed, and the public cloud's hosts no longer are.
 */

const WORKSPACE = {
  AML_SUBSCRIPTION_ID: "00000000-1111-2222-3333-444444444444",
  AML_RESOURCE_GROUP: "rg-ml",
  AML_WORKSPACE_NAME: "ws-ml",
};

/** The `env` code blocks of docs/settings.md: their first line names the cloud, the rest are NAME=value. */
function documentedClouds(): { cloud: string; env: Record<string, string> }[] {
  const text = readFileSync("docs/settings.md", "utf8");
  return [...text.matchAll(/```env\n([\s\S]*?)```/g)].map(([, block = ""]) => {
    const [title = "", ...lines] = block.trim().split("\n");
    const env = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    return { cloud: title.replace(/^# /, ""), env };
  });
}

const clouds = documentedClouds();

const expected: Record<
  string,
  { scope: string; apiSuffix: string; blobSuffix: string; region: string; logicAppsSuffix: string }
> = {
  China: {
    scope: "https://management.chinacloudapi.cn/.default",
    apiSuffix: "api.ml.azure.cn",
    blobSuffix: "blob.core.chinacloudapi.cn",
    region: "chinaeast2",
    logicAppsSuffix: "logic.azure.cn",
  },
  "US Government": {
    scope: "https://management.usgovcloudapi.net/.default",
    apiSuffix: "api.ml.azure.us",
    blobSuffix: "blob.core.usgovcloudapi.net",
    region: "usgovvirginia",
    logicAppsSuffix: "logic.azure.us",
  },
};

function expectationOf(cloud: string) {
  const key = Object.keys(expected).find((name) => cloud.includes(name));
  if (key === undefined) throw new Error(`docs/settings.md documents an unexpected cloud: ${cloud}`);
  return expected[key] as (typeof expected)[string];
}

const datastore = (accountUrl: string): DatastoreRecord => ({
  name: "landing",
  accountUrl,
  containerName: "landing",
  createdAt: "2026-11-21T10:00:00.000Z",
  updatedAt: "2026-11-21T10:00:00.000Z",
});

function policyOf(settings: Settings) {
  return { allowedHosts: settings.ALLOWED_DATASTORE_HOSTS, connectionSettings: [] };
}

describe("sovereign clouds, as docs/settings.md sets them", () => {
  it("documents Azure China and Azure US Government", () => {
    expect(clouds.map(({ cloud }) => Object.keys(expected).find((name) => cloud.includes(name)))).toEqual([
      "China",
      "US Government",
    ]);
  });

  describe.each(clouds)("$cloud", ({ cloud, env }) => {
    const { scope, apiSuffix, blobSuffix, region, logicAppsSuffix } = expectationOf(cloud);
    const settings = loadSettings({ ...env, ...WORKSPACE });

    it("start, with the cloud's scope and storage endpoints", () => {
      expect(settings.AML_TOKEN_SCOPE).toBe(scope);
      expect(storageServiceUrisFromSettings(settings).blob).toBe(`https://mystate.${blobSuffix}`);
    });

    it("send the cloud's token to its pipelines host, and allow its workspace host", async () => {
      const endpointPolicy = { allowedHosts: settings.ALLOWED_ENDPOINT_HOSTS, allowLoopback: false };
      const url = allowedSubmitUrlFor(
        { pipelineId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" },
        settings,
        endpointPolicy,
      );
      expect(url.origin).toBe(`https://${region}.${apiSuffix}`);
      const asked: string[] = [];
      const credential: TokenCredential = {
        getToken: (requested): Promise<AccessToken> => {
          asked.push(String(requested));
          return Promise.resolve({ token: "sovereign-token", expiresOnTimestamp: Date.now() + 60_000 });
        },
      };
      const headers = await amlRequestHeaders(
        url,
        {
          tokenProvider: credential,
          tokenScope: settings.AML_TOKEN_SCOPE,
          tokenHosts: settings.AML_TOKEN_HOSTS,
          endpointPolicy,
        },
        new AbortController().signal,
        {},
      );
      expect(headers).toMatchObject({ kind: "ready", headers: { Authorization: "Bearer sovereign-token" } });
      expect(asked).toEqual([scope]);
      const workspaceHost = new URL(
        `https://52882c08-ead2-44aa-af65-08a75cf094bd.workspace.${region}.${apiSuffix}/x`,
      );
      expect(() =>
        checkEndpointAllowed(workspaceHost, settings.ALLOWED_ENDPOINT_HOSTS, { allowLoopback: false }),
      ).not.toThrow();
    });

    it("refuse the public cloud's hosts", async () => {
      const endpointPolicy = { allowedHosts: settings.ALLOWED_ENDPOINT_HOSTS, allowLoopback: false };
      const publicUrl = new URL("https://westeurope.api.azureml.ms/pipelines/v1.0/x");
      const headers = await amlRequestHeaders(
        publicUrl,
        {
          tokenProvider: { getToken: () => Promise.reject(new Error("no token for the public cloud")) },
          tokenScope: settings.AML_TOKEN_SCOPE,
          tokenHosts: settings.AML_TOKEN_HOSTS,
          endpointPolicy,
        },
        new AbortController().signal,
        {},
      );
      expect(headers.kind).toBe("refused");
      expect(
        datastoreAccessProblem(datastore("https://acct.blob.core.windows.net"), policyOf(settings))?.path,
      ).toBe("accountUrl");
    });

    it("allow datastores of the cloud's Blob suffix", () => {
      expect(
        datastoreAccessProblem(datastore(`https://acct.${blobSuffix}`), policyOf(settings)),
      ).toBeUndefined();
    });

    it("allow notifications to the cloud's Logic Apps and refuse the public cloud's", () => {
      const policy = { allowedHosts: settings.ALLOWED_NOTIFY_HOSTS, allowLoopback: false };
      const trigger = (suffix: string) =>
        new URL(`https://prod-05.${region}.${suffix}:443/workflows/0123/triggers/notification/paths/invoke`);
      expect(() => checkNotifyUrlAllowed(trigger(logicAppsSuffix), policy)).not.toThrow();
      expect(() => checkNotifyUrlAllowed(trigger("logic.azure.com"), policy)).toThrow(/ALLOWED_NOTIFY_HOSTS/);
    });

    it.each(["AML_TOKEN_HOSTS", "ALLOWED_ENDPOINT_HOSTS"])(
      "stop the start, naming AML_PIPELINES_BASE_URL, when %s is left at the public default",
      (name) => {
        expect(() => loadSettings({ ...env, ...WORKSPACE, [name]: undefined })).toThrow(SettingsError);
        expect(() => loadSettings({ ...env, ...WORKSPACE, [name]: undefined })).toThrow(
          new RegExp(
            `AML_PIPELINES_BASE_URL must point at a host ${name} allows: ${region}\\.${apiSuffix.replaceAll(".", "\\.")}`,
          ),
        );
      },
    );
  });
});
