import type { DataPath } from "../../schedules/schema.js";
import type { Outputs } from "../../schedules/schema.js";
import { dataKindOf } from "../../schedules/target-rules.js";
import { pythonStr } from "../python-str.js";

/**
 * The bodies of the two Azure ML v2 requests that start a job (CONTRACT 7), from one list of inputs and outputs:
 * the batch endpoint invoke (`InputData`, `OutputData`, PascalCase) and the Resource Manager pipeline job (`inputs`,
 * `outputs`, the ARM spelling). Pure.
 */

export interface V2JobInputs {
  experimentName: string;
  parameterAssignments: Record<string, string | number | boolean>;
  /** Each with its kind, or the default of CONTRACT 1 (folder for a trailing `/`). */
  dataPathAssignments: Record<string, DataPath>;
  outputs: Outputs | undefined;
  /** `{runId}` of the output paths. */
  runId: string;
  /** `{scheduledFor}` of the output paths. */
  scheduledFor: Date;
}

/**
 * `azureml://datastores/<datastore>/paths/<path>`, the path exactly as given: the datastore URI of MicrosoftDocs/azure-ai-docs
 * `articles/machine-learning/how-to-access-data-batch-endpoints-jobs.md` ("Use input data from a data store":
 * `INPUT_PATH="azureml://datastores/workspaceblobstore/paths/$DATA_PATH"`). That page's REST tab spells the same
 * place as a long Resource Manager id; CONTRACT 7 takes the `azureml://` form for both requests.
 */
export function datastoreUri(datastoreName: string, path: string): string {
  return `azureml://datastores/${datastoreName}/paths/${path}`;
}

/** `20261122T103000Z`: the `{scheduledFor}` of an output path (CONTRACT 1). */
export function compactUtc(instant: Date): string {
  return instant
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

/** An output's path for one run: `{runId}` and `{scheduledFor}` replaced. */
export function outputPathFor(path: string, runId: string, scheduledFor: Date): string {
  return path.replaceAll("{runId}", runId).replaceAll("{scheduledFor}", compactUtc(scheduledFor));
}

interface ResolvedOutput {
  kind: "file" | "folder";
  uri: string;
}

function resolvedOutputs(inputs: V2JobInputs): [string, ResolvedOutput][] {
  return Object.entries(inputs.outputs ?? {}).map(([name, output]) => {
    const path = outputPathFor(output.path, inputs.runId, inputs.scheduledFor);
    return [name, { kind: dataKindOf(output, path), uri: datastoreUri(output.datastoreName, path) }];
  });
}

export interface BatchInvokeBody {
  properties: {
    InputData?: Record<string, Record<string, unknown>>;
    OutputData?: Record<string, { JobOutputType: "UriFile" | "UriFolder"; Uri: string }>;
    properties: { experimentName: string };
  };
}

/**
 * The invoke body of how-to-access-data-batch-endpoints-jobs.md (REST tabs): `properties.InputData.<name>` with
 * `JobInputType` `Literal` (and `Value`), `UriFile` or `UriFolder` (and `Uri`); `properties.OutputData.<name>` with
 * `JobOutputType` and `Uri` ("Create jobs with data outputs"); the experiment name under `properties.properties.experimentName`
 * ("Configure the experiment name"). A Literal's `Value` is the JSON value as given: the page's literal is a string,
 * and `migrate-to-v2-deploy-pipelines.md` ("Using the REST API") sends `"Value": 45`. Empty `InputData` and `OutputData`
 * are left out, as the SDK (`_batch_endpoint_operations.py` `invoke`) leaves out what was not given.
 */
export function batchInvokeBody(inputs: V2JobInputs): BatchInvokeBody {
  const inputData: Record<string, Record<string, unknown>> = {};
  for (const [name, value] of Object.entries(inputs.parameterAssignments)) {
    inputData[name] = { JobInputType: "Literal", Value: value };
  }
  for (const [name, dataPath] of Object.entries(inputs.dataPathAssignments)) {
    inputData[name] = {
      JobInputType: dataKindOf(dataPath, dataPath.relativePath) === "folder" ? "UriFolder" : "UriFile",
      Uri: datastoreUri(dataPath.dataStoreName, dataPath.relativePath),
    };
  }
  const outputs = resolvedOutputs(inputs);
  return {
    properties: {
      ...(Object.keys(inputData).length === 0 ? {} : { InputData: inputData }),
      ...(outputs.length === 0
        ? {}
        : {
            OutputData: Object.fromEntries(
              outputs.map(([name, output]) => [
                name,
                { JobOutputType: output.kind === "folder" ? "UriFolder" : "UriFile", Uri: output.uri },
              ]),
            ),
          }),
      properties: { experimentName: inputs.experimentName },
    },
  };
}

export interface PipelineJobBody {
  properties: {
    jobType: "Pipeline";
    componentId: string;
    experimentName: string;
    inputs: Record<string, Record<string, string>>;
    outputs: Record<string, Record<string, string>>;
    settings?: { default_compute: string };
    jobs: Record<string, never>;
  };
}

/**
 * The Resource Manager pipeline job (Azure/azure-rest-api-specs, stable/2024-10-01, example
 * `Job/PipelineJob/createOrUpdate.json`: `properties.jobType` `Pipeline`, `experimentName`, `inputs.<name>` with
 * `jobInputType` `literal` and `value`, `outputs.<name>` with `jobOutputType`, `uri` and `mode` `Upload`, `settings`;
 * the spec's `JobBase.componentId` "ARM resource ID of the component resource", `PipelineJob.jobs`, and the
 * `JobInputType` values `literal`, `uri_file`, `uri_folder`). A literal's `value` is a string (the spec's
 * `LiteralJobInput.value` is one), written as the Python SDK's `str()` would (python-str.ts). `settings.default_compute`
 * is the key of MicrosoftDocs/azure-ai-docs `articles/machine-learning/reference-yaml-schedule.md` ("Attributes of the
 * settings key"), sent only with a compute.
 */
export function pipelineJobBody(
  inputs: V2JobInputs,
  componentId: string,
  compute: string | undefined,
): PipelineJobBody {
  const jobInputs: Record<string, Record<string, string>> = {};
  for (const [name, value] of Object.entries(inputs.parameterAssignments)) {
    jobInputs[name] = { jobInputType: "literal", value: pythonStr(value) };
  }
  for (const [name, dataPath] of Object.entries(inputs.dataPathAssignments)) {
    jobInputs[name] = {
      jobInputType: dataKindOf(dataPath, dataPath.relativePath) === "folder" ? "uri_folder" : "uri_file",
      uri: datastoreUri(dataPath.dataStoreName, dataPath.relativePath),
    };
  }
  return {
    properties: {
      jobType: "Pipeline",
      componentId,
      experimentName: inputs.experimentName,
      inputs: jobInputs,
      outputs: Object.fromEntries(
        resolvedOutputs(inputs).map(([name, output]) => [
          name,
          {
            jobOutputType: output.kind === "folder" ? "uri_folder" : "uri_file",
            uri: output.uri,
            mode: "Upload",
          },
        ]),
      ),
      ...(compute === undefined ? {} : { settings: { default_compute: compute } }),
      jobs: {},
    },
  };
}
