import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import {
  allowedSubmitUrlFor,
  submitUrlFor,
  WorkspaceNotConfiguredError,
  type WorkspaceSettings,
} from "../../src/submit/index.js";

const workspace: WorkspaceSettings = {
  AML_SUBSCRIPTION_ID: "11111111-2222-3333-4444-555555555555",
  AML_RESOURCE_GROUP: "ml-rg",
  AML_WORKSPACE_NAME: "ml-ws",
  AML_REGION: "westeurope",
  AML_PIPELINES_BASE_URL: undefined,
};
const root =
  "https://westeurope.api.azureml.ms/pipelines/v1.0/subscriptions/11111111-2222-3333-4444-555555555555" +
  "/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-ws/PipelineRuns";
const pipelineId = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

describe("submitUrlFor", () => {
  it("builds the PipelineSubmit URL of a published pipeline", () => {
    expect(submitUrlFor({ pipelineId }, workspace).href).toBe(`${root}/PipelineSubmit/${pipelineId}`);
  });

  it("builds the PipelineEndpointSubmit/Id URL, with the version as a last segment", () => {
    expect(submitUrlFor({ pipelineEndpointId: pipelineId }, workspace).href).toBe(
      `${root}/PipelineEndpointSubmit/Id/${pipelineId}`,
    );
    expect(submitUrlFor({ pipelineEndpointId: pipelineId, pipelineVersion: "2" }, workspace).href).toBe(
      `${root}/PipelineEndpointSubmit/Id/${pipelineId}/2`,
    );
  });

  it("builds the PipelineEndpointSubmit/Name URL, with pipelineVersion in the query", () => {
    expect(submitUrlFor({ pipelineEndpointName: "nightly_ep" }, workspace).href).toBe(
      `${root}/PipelineEndpointSubmit/Name?name=nightly_ep`,
    );
    expect(submitUrlFor({ pipelineEndpointName: "nightly_ep", pipelineVersion: "3" }, workspace).href).toBe(
      `${root}/PipelineEndpointSubmit/Name?name=nightly_ep&pipelineVersion=3`,
    );
  });

  it("percent-encodes a name with spaces and '&' so it stays one query value", () => {
    const url = submitUrlFor({ pipelineEndpointName: "my ep&x=1", pipelineVersion: "1 & 2" }, workspace);
    expect(url.href).toBe(
      `${root}/PipelineEndpointSubmit/Name?name=my%20ep%26x%3D1&pipelineVersion=1%20%26%202`,
    );
    expect(url.searchParams.get("name")).toBe("my ep&x=1");
    expect(url.searchParams.get("pipelineVersion")).toBe("1 & 2");
    expect([...url.searchParams.keys()]).toEqual(["name", "pipelineVersion"]);
  });

  it("uses AML_PIPELINES_BASE_URL instead of the region, keeping its path and dropping a trailing slash", () => {
    const url = submitUrlFor(
      { pipelineId },
      { ...workspace, AML_REGION: undefined, AML_PIPELINES_BASE_URL: "http://127.0.0.1:7071/api/sandbox/" },
    );
    expect(url.href).toBe(
      "http://127.0.0.1:7071/api/sandbox/pipelines/v1.0/subscriptions/11111111-2222-3333-4444-555555555555" +
        `/resourceGroups/ml-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-ws/PipelineRuns/PipelineSubmit/${pipelineId}`,
    );
  });

  it("returns an endpointUrl as is, and needs no workspace settings for it", () => {
    const endpointUrl =
      "https://westeurope.api.azureml.ms/pipelines/v1.0/subscriptions/s/x/PipelineSubmit/abc?k=1";
    const empty: WorkspaceSettings = {
      AML_SUBSCRIPTION_ID: undefined,
      AML_RESOURCE_GROUP: undefined,
      AML_WORKSPACE_NAME: undefined,
      AML_REGION: undefined,
      AML_PIPELINES_BASE_URL: undefined,
    };
    expect(submitUrlFor({ endpointUrl }, empty).href).toBe(endpointUrl);
  });

  it("names every missing workspace setting, as a validation error on target", () => {
    const partial: WorkspaceSettings = { ...workspace, AML_RESOURCE_GROUP: undefined, AML_REGION: undefined };
    let caught: unknown;
    try {
      submitUrlFor({ pipelineEndpointName: "ep" }, partial);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WorkspaceNotConfiguredError);
    expect(caught).toBeInstanceOf(ValidationError);
    const error = caught as WorkspaceNotConfiguredError;
    expect(error.missingSettings).toEqual(["AML_RESOURCE_GROUP", "AML_REGION (or AML_PIPELINES_BASE_URL)"]);
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe("target");
    expect(error.message).toContain("AML_RESOURCE_GROUP, AML_REGION (or AML_PIPELINES_BASE_URL)");
  });
});

describe("allowedSubmitUrlFor", () => {
  const policy = { allowedHosts: ["*.api.azureml.ms"], allowLoopback: false };

  it("returns the URL of an allowed target", () => {
    expect(allowedSubmitUrlFor({ pipelineId }, workspace, policy).href).toBe(
      `${root}/PipelineSubmit/${pipelineId}`,
    );
  });

  it("rejects an endpointUrl outside the allowed hosts on target.endpointUrl", () => {
    expect(() =>
      allowedSubmitUrlFor({ endpointUrl: "https://example.com/submit" }, workspace, policy),
    ).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path: "target.endpointUrl" })] }));
  });

  it("rejects a derived URL outside the allowed hosts on target", () => {
    const elsewhere = { ...workspace, AML_PIPELINES_BASE_URL: "https://ml.example.com" };
    expect(() => allowedSubmitUrlFor({ pipelineId }, elsewhere, policy)).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: "target" })] }),
    );
  });
});
