import type { AmlAccess } from "../aml-access.js";
import { exchangeJson, type ExchangeOutcome } from "../json-exchange.js";
import { readArmProperty, type RequestOptions } from "./arm-property.js";

/**
 * A pipeline component submitted as a Resource Manager pipeline job, exactly once (CONTRACT 7). The job's name is
 * the run's id, so every attempt of a run addresses one job: an attempt after one that may have created it (a
 * timeout, a reset, a 5xx) reads the job first and PUTs only when there is none.
 */

export type JobSubmitOutcome =
  | { kind: "created"; httpStatus: number; jobName: string }
  /** An earlier attempt created it; nothing was sent this time (or the PUT said it exists). */
  | { kind: "existing"; httpStatus: number; jobName: string }
  | Extract<ExchangeOutcome, { kind: "retryable" | "final" }>;

export interface JobAddress {
  /** `{ARM}/…/jobs/{jobName}?api-version=2024-10-01`: Jobs_CreateOrUpdate and Jobs_Get. */
  jobUrl: URL;
  jobName: string;
  access: AmlAccess;
  options: RequestOptions;
}

export interface JobSubmission extends JobAddress {
  /** The `PipelineJob` body; its `properties.componentId` already names a version. */
  body: Record<string, unknown>;
}

/** One PUT of the job; a 409 (the name is taken, and only this run takes it) reads the job instead. */
export async function submitPipelineJob(submission: JobSubmission): Promise<JobSubmitOutcome> {
  const put = await exchangeJson({
    ...submission.access,
    ...submission.options,
    method: "PUT",
    url: submission.jobUrl,
    body: submission.body,
  });
  if (put.kind === "answered") {
    return { kind: "created", httpStatus: put.httpStatus, jobName: jobNameIn(put.json, submission.jobName) };
  }
  // 409: a job of this name exists, and only this run makes jobs of its name.
  if (put.kind === "final" && put.httpStatus === 409) {
    return (await findJob(submission)) ?? put;
  }
  return put;
}

/**
 * `GET …/jobs/{jobName}` before a PUT that may repeat an earlier one: the job if it exists; undefined when Resource
 * Manager says it does not (404), else why it could not be read.
 */
export async function findJob(
  submission: JobAddress,
): Promise<Exclude<JobSubmitOutcome, { kind: "created" }> | undefined> {
  const read = await exchangeJson({
    ...submission.access,
    ...submission.options,
    method: "GET",
    url: submission.jobUrl,
  });
  if (read.kind === "answered") {
    return {
      kind: "existing",
      httpStatus: read.httpStatus,
      jobName: jobNameIn(read.json, submission.jobName),
    };
  }
  if (read.kind === "final" && read.httpStatus === 404) return undefined;
  return read.kind === "final"
    ? {
        ...read,
        message: `The job ${submission.jobName} could not be read before a new PUT: ${read.message}`,
      }
    : read;
}

function jobNameIn(json: Record<string, unknown> | null, fallback: string): string {
  return typeof json?.name === "string" && json.name !== "" ? json.name : fallback;
}

export type LatestVersionOutcome =
  { kind: "found"; version: string } | Extract<ExchangeOutcome, { kind: "retryable" | "final" }>;

/**
 * `GET {ARM}/…/components/{name}?api-version=2024-10-01`: the container's `properties.latestVersion` ("The latest
 * version inside this container", `AssetContainer` of the stable/2024-10-01 spec, the example
 * `Workspace/ComponentContainer/get.json` being its resource).
 */
export async function latestComponentVersion(
  url: URL,
  name: string,
  access: AmlAccess,
  options: RequestOptions,
): Promise<LatestVersionOutcome> {
  const read = await readArmProperty(
    {
      url,
      property: "latestVersion",
      notFound: (message) =>
        `No pipeline component named ${name} in the workspace (Resource Manager answered 404: ${message})`,
      failed: (message) => `The latest version of component ${name} could not be read: ${message}`,
      missing: `Component ${name} has no properties.latestVersion: give target.version`,
    },
    access,
    options,
  );
  return read.kind === "found" ? { kind: "found", version: read.value } : read;
}
