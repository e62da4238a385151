import { describe, expect, it } from "vitest";
import { refusalOf, type UntrustedRequest } from "../../../src/host/local/loopback-trust.js";

const request = (overrides: Partial<UntrustedRequest>): UntrustedRequest => ({
  method: "GET",
  host: "127.0.0.1:7071",
  origin: undefined,
  contentType: undefined,
  hasBody: false,
  ...overrides,
});

describe("refusalOf (what the local host trusts, CONTRACT 5)", () => {
  it("refuses a request without a Host, and a bare name unless the port is 80", () => {
    expect(refusalOf(request({ host: undefined }), 7071)?.status).toBe(403);
    expect(refusalOf(request({ host: "localhost" }), 7071)?.status).toBe(403);
    expect(refusalOf(request({ host: "localhost" }), 80)).toBeUndefined();
    expect(refusalOf(request({ host: "localhost:80", origin: "http://localhost" }), 80)).toBeUndefined();
    expect(refusalOf(request({ host: "localhost.:7071" }), 7071)?.status).toBe(403);
  });

  it("names the addresses it answers and the Host it refused", () => {
    expect(refusalOf(request({ host: "rebound.example:7071" }), 7071)?.detail).toBe(
      "This host answers only requests addressed to 127.0.0.1:7071, localhost:7071 or [::1]:7071, not to rebound.example:7071.",
    );
  });

  it("takes JSON with parameters, merge-patch only on PATCH, and names what it takes in Accept", () => {
    const json = { contentType: "Application/JSON; charset=utf-8", hasBody: true };
    expect(refusalOf(request({ method: "POST", ...json }), 7071)).toBeUndefined();
    const mergePatch = { contentType: "application/merge-patch+json", hasBody: true };
    expect(refusalOf(request({ method: "PATCH", ...mergePatch }), 7071)).toBeUndefined();
    const refused = refusalOf(request({ method: "PUT", ...mergePatch }), 7071);
    expect(refused).toMatchObject({ status: 415, headers: { Accept: "application/json" } });
    expect(refusalOf(request({ method: "PATCH" }), 7071)?.headers).toEqual({
      Accept: "application/merge-patch+json, application/json",
    });
  });

  it("lets a body-less write through without a Content-Type only when it carries the host's own Origin", () => {
    const pagePost = request({ method: "POST", origin: "http://127.0.0.1:7071" });
    expect(refusalOf(pagePost, 7071)).toBeUndefined();
    expect(refusalOf({ ...pagePost, hasBody: true }, 7071)?.status).toBe(415);
    expect(refusalOf({ ...pagePost, origin: undefined }, 7071)?.status).toBe(415);
    expect(refusalOf({ ...pagePost, origin: "http://localhost:7071" }, 7071)).toBeUndefined();
  });

  it("reads need no Content-Type, and OPTIONS is not a write", () => {
    expect(refusalOf(request({}), 7071)).toBeUndefined();
    expect(refusalOf(request({ method: "OPTIONS" }), 7071)).toBeUndefined();
    expect(refusalOf(request({ method: "OPTIONS", origin: "https://a.example" }), 7071)?.status).toBe(403);
  });
});
