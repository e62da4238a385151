import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { checkEndpointAllowed, hostMatches, isLoopbackHost } from "../../src/settings/host-patterns.js";

describe("hostMatches", () => {
  const azureml = ["*.api.azureml.ms"];

  it.each([
    ["westeurope.api.azureml.ms", true],
    ["a.b.api.azureml.ms", true],
    ["WestEurope.API.AzureML.ms", true],
    ["westeurope.api.azureml.ms:443", true],
    ["westeurope.api.azureml.ms.", true],
    ["api.azureml.ms", false],
    ["evilapi.azureml.ms", false],
    ["westeurope.api.azureml.ms.evil.com", false],
    [".api.azureml.ms", false],
    ["a..api.azureml.ms", false],
    ["", false],
  ])("*.api.azureml.ms against %j is %s", (host, expected) => {
    expect(hostMatches(host, azureml)).toBe(expected);
  });

  it("matches an exact pattern only exactly, whatever the case and port", () => {
    expect(hostMatches("ML.example.com:8443", ["ml.example.com"])).toBe(true);
    expect(hostMatches("ml.example.com", ["ML.Example.COM"])).toBe(true);
    expect(hostMatches("x.ml.example.com", ["ml.example.com"])).toBe(false);
    expect(hostMatches("ml.example.co", ["ml.example.com"])).toBe(false);
  });

  it("matches any pattern of the list", () => {
    expect(hostMatches("127.0.0.1", ["*.api.azureml.ms", "127.0.0.1"])).toBe(true);
    expect(hostMatches("127.0.0.1", [])).toBe(false);
  });

  it("compares IPv6 hosts with or without brackets and port, and never by wildcard", () => {
    expect(hostMatches("[::1]", ["[::1]"])).toBe(true);
    expect(hostMatches("[::1]:7071", ["::1"])).toBe(true);
    expect(hostMatches("[::2]", ["[::1]"])).toBe(false);
    expect(hostMatches("10.0.0.1", ["*.0.0.1"])).toBe(false);
  });
});

describe("isLoopbackHost", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["localhost", true],
    ["LOCALHOST:7071", true],
    ["[::1]", true],
    ["::1", true],
    ["128.0.0.1", false],
    ["127.0.0.1.nip.io", false],
    ["localhost.example.com", false],
    ["[::2]", false],
    ["10.0.0.1", false],
  ])("%j is %s", (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe("checkEndpointAllowed", () => {
  const allowed = ["*.api.azureml.ms"];

  function issueOf(url: string, allowLoopback: boolean, patterns: string[] = allowed) {
    try {
      checkEndpointAllowed(new URL(url), patterns, { allowLoopback });
    } catch (error) {
      if (error instanceof ValidationError) return error.issues;
      throw error;
    }
    return null;
  }

  it("accepts an https URL on an allowed host", () => {
    expect(issueOf("https://westeurope.api.azureml.ms/pipelines/v1.0/x", false)).toBeNull();
  });

  it("rejects http on an allowed host, naming target.endpointUrl", () => {
    expect(issueOf("http://westeurope.api.azureml.ms/x", false)).toEqual([
      { path: "target.endpointUrl", message: "must be an https URL" },
    ]);
  });

  it("rejects a host that matches no pattern and names the setting", () => {
    expect(issueOf("https://api.azureml.ms/x", false)).toEqual([
      {
        path: "target.endpointUrl",
        message: "host api.azureml.ms is not allowed; ALLOWED_ENDPOINT_HOSTS is *.api.azureml.ms",
      },
    ]);
  });

  it("allows loopback hosts over http only when the host allows loopback", () => {
    expect(issueOf("http://127.0.0.1:7071/api/sandbox/pipelines/x/submit", true)).toBeNull();
    expect(issueOf("http://localhost:7071/x", true)).toBeNull();
    expect(issueOf("http://[::1]:7071/x", true)).toBeNull();
    expect(issueOf("http://127.0.0.1:7071/x", false)).toEqual([
      { path: "target.endpointUrl", message: "must be an https URL" },
    ]);
    expect(issueOf("https://127.0.0.1:7071/x", false)?.[0]?.message).toBe(
      "host 127.0.0.1 is not allowed; ALLOWED_ENDPOINT_HOSTS is *.api.azureml.ms",
    );
    expect(issueOf("https://127.0.0.1:7071/x", false, ["127.0.0.1"])).toBeNull();
  });

  it("says http is for loopback only when loopback is allowed", () => {
    expect(issueOf("http://westeurope.api.azureml.ms/x", true)).toEqual([
      {
        path: "target.endpointUrl",
        message: "must be an https URL (http is allowed only for loopback hosts)",
      },
    ]);
  });

  it("rejects other schemes and URLs with credentials", () => {
    expect(issueOf("ftp://westeurope.api.azureml.ms/x", true)?.[0]?.message).toBe(
      "must be an https URL, not ftp:",
    );
    expect(issueOf("https://user:pw@westeurope.api.azureml.ms/x", false)?.[0]?.message).toBe(
      "must not contain a user name or password",
    );
  });

  it("names the path it is given", () => {
    expect(() =>
      checkEndpointAllowed(new URL("https://example.com"), allowed, { allowLoopback: false, path: "target" }),
    ).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path: "target" })] }));
  });
});
