import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { allBicepFiles, bicepParams, INFRA_DIR, moduleUses, readBicep } from "./bicep-source.js";

const mainBicep = readBicep("main.bicep");
const mainParams = bicepParams(mainBicep);
const parametersFile = JSON.parse(readFileSync(path.join(INFRA_DIR, "main.parameters.json"), "utf8")) as {
  parameters: Record<string, { value: unknown }>;
};

/** Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles). */
const BUILT_IN_ROLES: Record<string, string> = {
  "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
  "AzureML Data Scientist": "f6c7c914-8db3-469d-8ca1-694a8f32e121",
  "Storage Queue Data Message Sender": "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a",
  "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
};

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

describe("infra/main.parameters.json", () => {
  it("sets only parameters that main.bicep declares", () => {
    const declared = mainParams.map((param) => param.name);
    expect(Object.keys(parametersFile.parameters).filter((name) => !declared.includes(name))).toEqual([]);
  });

  it("sets every main.bicep parameter that has no default", () => {
    const required = mainParams
      .filter((param) => param.defaultValue === undefined)
      .map((param) => param.name);
    expect(required).toEqual(["environmentName", "location"]);
    for (const name of required) expect(Object.keys(parametersFile.parameters)).toContain(name);
  });

  it("takes the values from the azd environment", () => {
    for (const [name, { value }] of Object.entries(parametersFile.parameters)) {
      expect(value, name).toMatch(/^\$\{[A-Z_]+(=[^}]*)?\}$/);
    }
    expect(parametersFile.parameters.environmentName?.value).toBe("${AZURE_ENV_NAME}");
    expect(parametersFile.parameters.location?.value).toBe("${AZURE_LOCATION}");
  });
});

describe("the Bicep files", () => {
  it("describe every parameter", () => {
    for (const file of allBicepFiles()) {
      const params = bicepParams(file);
      expect(params.length, file.name).toBeGreaterThan(0);
      for (const param of params)
        expect(param.decorators, `${file.name} ${param.name}`).toContain("@description('");
    }
  });

  it("pass each module exactly the parameters it declares, every required one included", () => {
    for (const file of allBicepFiles()) {
      for (const use of moduleUses(file)) {
        const declared = bicepParams(readBicep(path.posix.join(path.posix.dirname(file.name), use.path)));
        const passed = [...use.params.keys()];
        const names = declared.map((param) => param.name);
        expect(
          passed.filter((name) => !names.includes(name)),
          `${use.symbol} passes undeclared`,
        ).toEqual([]);
        const required = declared
          .filter((param) => param.defaultValue === undefined)
          .map((param) => param.name);
        expect(
          required.filter((name) => !passed.includes(name)),
          `${use.symbol} misses`,
        ).toEqual([]);
      }
    }
  });

  it("use only the documented built-in role ids, each of the roles the app needs", () => {
    const used = new Set(allBicepFiles().flatMap((file) => file.text.match(GUID) ?? []));
    expect([...used].sort()).toEqual(Object.values(BUILT_IN_ROLES).sort());
  });

  it("grant each role at the scope the app uses it", () => {
    const roleIn = (file: string) => new Set(readBicep(file).text.match(GUID) ?? []);
    expect(roleIn("modules/app-roles.bicep")).toEqual(
      new Set([
        BUILT_IN_ROLES["Storage Blob Data Owner"],
        BUILT_IN_ROLES["Storage Queue Data Contributor"],
        BUILT_IN_ROLES["Storage Table Data Contributor"],
        BUILT_IN_ROLES["Monitoring Metrics Publisher"],
      ]),
    );
    expect(roleIn("modules/datastore-reader.bicep")).toEqual(
      new Set([BUILT_IN_ROLES["Storage Blob Data Reader"]]),
    );
    expect(roleIn("modules/workspace-access.bicep")).toEqual(
      new Set([BUILT_IN_ROLES["AzureML Data Scientist"]]),
    );
    // Event Grid's delivery identity: send to the one queue, write dead letters to the one container.
    const delivery = readBicep("modules/blob-event-delivery.bicep").text;
    expect(roleIn("modules/blob-event-delivery.bicep")).toEqual(
      new Set([
        BUILT_IN_ROLES["Storage Queue Data Message Sender"],
        BUILT_IN_ROLES["Storage Blob Data Contributor"],
      ]),
    );
    expect(delivery).toMatch(
      /name: guid\(queue\.id, identity\.id, storageQueueDataMessageSender\)\s+scope: queue\n/,
    );
    expect(delivery).toMatch(
      /name: guid\(deadLetterContainer\.id, identity\.id, storageBlobDataContributor\)\s+scope: deadLetterContainer\n/,
    );
  });

  it("turn off shared keys and local auth, and run Node 20 or 22 on Flex Consumption", () => {
    expect(readBicep("modules/storage.bicep").text).toMatch(/^\s*allowSharedKeyAccess: false$/m);
    const monitoring = readBicep("modules/monitoring.bicep").text;
    expect(monitoring).toMatch(/^\s*DisableLocalAuth: true$/m);
    expect(monitoring).toMatch(/^\s*disableLocalAuth: true$/m);
    const functionApp = readBicep("modules/function-app.bicep").text;
    expect(functionApp).toMatch(/name: 'FC1'\s+tier: 'FlexConsumption'/);
    expect(functionApp).toMatch(/runtime: \{\s+name: 'node'\s+version: nodeVersion/);
    expect(
      bicepParams(readBicep("modules/function-app.bicep")).find((p) => p.name === "nodeVersion"),
    ).toMatchObject({
      defaultValue: "'20'",
      decorators: expect.stringContaining("@allowed(['20', '22'])") as unknown,
    });
    expect(functionApp).toMatch(/type: 'UserAssignedIdentity'\s+userAssignedIdentityResourceId: identityId/);
  });

  it("derive the workspace settings from the parts of the workspace's resource id", () => {
    const id =
      "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ws-ml";
    const part = (variable: string) => {
      const index = new RegExp(
        `^var ${variable} = workspaceGiven \\? workspaceIdParts\\[(\\d+)\\] : ''$`,
        "m",
      ).exec(mainBicep.text)?.[1];
      return id.split("/")[Number(index)];
    };
    expect(mainBicep.text).toMatch(/^var workspaceIdParts = split\(amlWorkspaceResourceId, '\/'\)$/m);
    expect(part("amlSubscriptionId")).toBe("00000000-1111-2222-3333-444444444444");
    expect(part("amlResourceGroup")).toBe("rg-ml");
    expect(mainBicep.text).toMatch(
      /^var amlWorkspaceName = workspaceGiven \? last\(workspaceIdParts\) : ''$/m,
    );
  });

  it("turn on App Service authentication with Entra ID only when enableEntraIdAuth is set", () => {
    const functionApp = readBicep("modules/function-app.bicep").text;
    expect(functionApp).toMatch(
      /resource \w+ 'config' = if \(enableEntraIdAuth\) \{\s+name: 'authsettingsV2'/,
    );
    expect(functionApp).toMatch(/requireAuthentication: true\s+unauthenticatedClientAction: 'Return401'/);
    expect(mainParams.find((param) => param.name === "enableEntraIdAuth")?.defaultValue).toBe("false");
  });

  it("deliver BlobCreated events of each container to the queue, without Data Lake's CreateFile, only when enabled", () => {
    const events = readBicep("modules/blob-events.bicep").text;
    expect(events).toMatch(/topicType: 'Microsoft\.Storage\.StorageAccounts'/);
    expect(events).toMatch(/for container in containers: \{/);
    expect(events).toMatch(/includedEventTypes: \[\s+'Microsoft\.Storage\.BlobCreated'\s+\]/);
    expect(events).toMatch(/subjectBeginsWith: '\/blobServices\/default\/containers\/\$\{container\}\/'/);
    expect(events).toMatch(/operatorType: 'StringNotIn'\s+key: 'data\.api'\s+values: \[\s+'CreateFile'\s+\]/);
    expect(events).toMatch(/eventDeliverySchema: 'EventGridSchema'/);
    expect(events).toMatch(
      /destination: \{\s+endpointType: 'StorageQueue'\s+properties: \{\s+resourceId: destinationStorageAccountId\s+queueName: queueName/,
    );
    expect(events).toMatch(
      /deadLetterDestination: \{\s+endpointType: 'StorageBlob'\s+properties: \{\s+resourceId: destinationStorageAccountId\s+blobContainerName: deadLetterContainerName/,
    );
    expect(events.match(/userAssignedIdentity: deliveryIdentityId/g)).toHaveLength(2);
    expect(mainParams.find((param) => param.name === "enableBlobEvents")?.defaultValue).toBe("false");
    expect(mainParams.find((param) => param.name === "blobEventsQueue")?.defaultValue).toBe("'blob-events'");
    expect(mainBicep.text).toMatch(
      /module blobEventDelivery 'modules\/blob-event-delivery\.bicep' = if \(enableBlobEvents\)/,
    );
    expect(mainBicep.text).toMatch(/for \(source, index\) in blobEventSources: if \(enableBlobEvents\) \{/);
    const uses = moduleUses(mainBicep);
    expect(uses.find((use) => use.symbol === "blobEventDelivery")?.params.get("queueName")).toBe(
      "blobEventsQueue",
    );
    expect(uses.find((use) => use.symbol === "functionApp")?.params.get("blobEventsQueue")).toBe(
      "blobEventsQueue",
    );
  });
});
