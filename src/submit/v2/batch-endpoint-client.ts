import type { AmlAccess } from "../aml-access.js";
import { exchangeJson, type ExchangeOutcome } from "../json-exchange.js";
import { readArmProperty, type RequestOptions } from "./arm-property.js";

/**
 * Azure ML v2 batch endpoints (CONTRACT 7): the scoring URI of an endpoint name, read through Resource Manager and
 * kept per name, and the invoke that starts a job.
 */

export type { RequestOptions };

export type LookupOutcome =
  { kind: "found"; scoringUri: URL } | Extract<ExchangeOutcome, { kind: "retryable" | "final" }>;

/**
 * `GET {ARM}/…/batchEndpoints/{name}?api-version=2024-10-01` with the Resource Manager token: the endpoint's
 * `properties.scoringUri` (Azure/azure-rest-api-specs stable/2024-10-01 example `Workspace/BatchEndpoint/get.json`;
 * the SDK posts to `endpoint.properties.scoring_uri`, azure-ai-ml `_batch_endpoint_operations.py` `invoke`).
 */
export async function lookUpBatchEndpoint(
  url: URL,
  name: string,
  access: AmlAccess,
  options: RequestOptions,
): Promise<LookupOutcome> {
  const read = await readArmProperty(
    {
      url,
      property: "scoringUri",
      notFound: (message) =>
        `No batch endpoint named ${name} in the workspace (Resource Manager answered 404: ${message})`,
      failed: (message) => `The lookup of batch endpoint ${name} failed: ${message}`,
      missing: `The lookup of batch endpoint ${name} answered no properties.scoringUri`,
      accepts: (value) => URL.canParse(value),
    },
    access,
    options,
  );
  return read.kind === "found" ? { kind: "found", scoringUri: new URL(read.value) } : read;
}

/**
 * The scoring URI of each endpoint name, looked up at most once until an invoke answers 404 (CONTRACT 7). Lookups of
 * one name share one request however many runs ask at once; a failed lookup is not kept, so the next run asks again.
 */
export class BatchEndpointDirectory {
  private readonly entries = new Map<string, { lookup: Promise<LookupOutcome>; found?: string }>();

  constructor(private readonly lookUp: (name: string) => Promise<LookupOutcome>) {}

  scoringUri(name: string): Promise<LookupOutcome> {
    const entry = this.entries.get(name);
    if (entry !== undefined) return entry.lookup;
    return this.start(name);
  }

  /**
   * After an invoke at `stale` answered 404: a new lookup, unless another run already started one since (then that
   * one's answer).
   */
  refresh(name: string, stale: URL): Promise<LookupOutcome> {
    const entry = this.entries.get(name);
    if (entry !== undefined && entry.found !== stale.toString()) return entry.lookup;
    this.entries.delete(name);
    return this.start(name);
  }

  private start(name: string): Promise<LookupOutcome> {
    const entry: { lookup: Promise<LookupOutcome>; found?: string } = {
      lookup: this.lookUp(name).then((outcome) => {
        if (outcome.kind === "found") entry.found = outcome.scoringUri.toString();
        else if (this.entries.get(name) === entry) this.entries.delete(name);
        return outcome;
      }),
    };
    this.entries.set(name, entry);
    return entry.lookup;
  }
}

/**
 * `POST <scoringUri>` with the invoke token, `Content-Type: application/json`, and `azureml-model-deployment` only
 * when a deployment is named: the request of azure-ai-ml `_batch_endpoint_operations.py` `invoke`
 * (`EndpointInvokeFields.DEFAULT_HEADER`, `MODEL_DEPLOYMENT = "azureml-model-deployment"`) and of
 * MicrosoftDocs/azure-ai-docs `articles/machine-learning/how-to-access-data-batch-endpoints-jobs.md` ("Invoke a
 * specific deployment").
 */
export function invokeBatchEndpoint(
  scoringUri: URL,
  body: Record<string, unknown>,
  deployment: string | undefined,
  access: AmlAccess,
  options: RequestOptions,
): Promise<ExchangeOutcome> {
  return exchangeJson({
    ...access,
    ...options,
    method: "POST",
    url: scoringUri,
    body,
    ...(deployment === undefined ? {} : { headers: { "azureml-model-deployment": deployment } }),
  });
}

/**
 * The job an invoke created: the answer's `name` ("The batch endpoint returns the name of the job that was created",
 * how-to-use-event-grid-batch.md), else the last segment of its `id` (CONTRACT 7).
 */
export function jobNameOf(json: Record<string, unknown> | null): string | null {
  if (json === null) return null;
  if (typeof json.name === "string" && json.name !== "") return json.name;
  if (typeof json.id === "string") {
    const last = json.id
      .split("/")
      .filter((segment) => segment !== "")
      .at(-1);
    if (last !== undefined) return last;
  }
  return null;
}
