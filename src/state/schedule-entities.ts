import type { TableEntity } from "@azure/data-tables";
import type { NewScheduleRecord, ScheduleRecord } from "../schedules/record.js";
import type { ScheduleDefinition } from "../schedules/schema.js";
import type { DueEntry } from "./schedule-store.js";

/**
 * The table layout of the schedules, as pure functions. Rows are spread over partitions, because one Azure
 * Table partition serves about 2,000 entities per second (Azure Storage scalability targets):
 * - table `schedules`, partition `<id>`, row `schedule`: the schedule, with the definition as JSON text and
 *   the list filters as plain columns;
 * - table `schedules`, partition `name:<name>`, row `name`: the name row, holding the id; its insert is what
 *   makes names unique;
 * - table `scheduledue`, partition `<UTC minute of dueAt>`, row `<dueAt>:<id>`: the due index row, present
 *   while dueAt is set, so that the scheduling pass reads keys in proportion to what is due.
 * No transaction spans these rows; the store orders its writes instead (table-schedule-store.ts).
 */

export const SCHEDULE_ROW_KEY = "schedule";
export const NAME_ROW_KEY = "name";

/**
 * A string property holds at most 64 KiB, i.e. 32K UTF-16 code units (Azure Table service data model); a
 * definition may be larger, so its JSON is split.
 */
export const DEFINITION_CHUNK_LENGTH = 30_000;

export type ScheduleEntity = TableEntity<Record<string, unknown>>;

/** Names compare as stored: key comparison is ordinal, so names are case-sensitive. */
export function namePartitionKey(name: string): string {
  return `name:${name}`;
}

/** `YYYY-MM-DDThh:mm`, the UTC minute of the instant: fixed width, so that key order is time order. */
export function duePartitionKey(dueAt: string): string {
  return fixedWidthInstant(dueAt).slice(0, 16);
}

export function dueRowKey(dueAt: string, id: string): string {
  return `${fixedWidthInstant(dueAt)}:${id}`;
}

/**
 * The due rows at or before `now`: every partition up to now's minute, and in it every `<instant>:<id>` with
 * instant <= now, because '~' follows ':' and every id character. Rows of earlier minutes sort before the
 * row key bound too, as their keys start with an earlier instant.
 */
export function dueRange(now: Date): { lastPartitionKey: string; lastRowKey: string } {
  const instant = fixedWidthInstant(now.toISOString());
  return { lastPartitionKey: instant.slice(0, 16), lastRowKey: `${instant}~` };
}

/** `YYYY-MM-DDThh:mm:ss.sssZ`, 24 characters, so that key order is time order. */
export function fixedWidthInstant(instant: string): string {
  const time = Date.parse(instant);
  if (Number.isNaN(time)) throw new RangeError(`Not an ISO instant: ${instant}`);
  const text = new Date(time).toISOString();
  if (text.length !== 24) throw new RangeError(`Instant outside years 0000-9999: ${instant}`);
  return text;
}

/** Splits text into chunks of at most `length` code units, never between the two halves of a surrogate pair. */
export function splitIntoChunks(text: string, length = DEFINITION_CHUNK_LENGTH): string[] {
  if (length < 2) throw new RangeError("Chunk length must be at least 2");
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + length, text.length);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** The schedule row of a record; absent values (nextRunAt null, no pipelineId) are absent properties. */
export function scheduleEntityFromRecord(record: NewScheduleRecord): ScheduleEntity {
  const { definition } = record;
  const chunks = splitIntoChunks(JSON.stringify(definition));
  const entity: ScheduleEntity = {
    partitionKey: record.id,
    rowKey: SCHEDULE_ROW_KEY,
    id: record.id,
    name: definition.name,
    status: definition.status,
    triggerType: definition.trigger.type,
    definitionChunks: chunks.length,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    activatedAt: record.activatedAt,
  };
  if (record.activationId !== undefined) entity.activationId = record.activationId;
  if (record.statusReason !== undefined) entity.statusReason = record.statusReason;
  if (record.enablementId !== undefined) entity.enablementId = record.enablementId;
  if (definition.target.pipelineId !== undefined) entity.pipelineId = definition.target.pipelineId;
  if (definition.target.pipelineEndpointId !== undefined) {
    entity.pipelineEndpointId = definition.target.pipelineEndpointId;
  }
  chunks.forEach((chunk, index) => (entity[`definition${index}`] = chunk));
  if (record.nextRunAt !== null) entity.nextRunAt = record.nextRunAt;
  if (record.dueAt !== null) entity.dueAt = record.dueAt;
  return entity;
}

/** The record a schedule row holds; throws when the row is not a well-formed schedule row. */
export function recordFromScheduleEntity(entity: Record<string, unknown>, etag: string): ScheduleRecord {
  const chunkCount = entity.definitionChunks;
  if (typeof chunkCount !== "number" || !Number.isInteger(chunkCount) || chunkCount < 1) {
    throw new Error(`Schedule row ${String(entity.partitionKey)} has no valid definitionChunks`);
  }
  const chunks: string[] = [];
  for (let index = 0; index < chunkCount; index++) {
    chunks.push(requiredText(entity, `definition${index}`));
  }
  // The definition was validated by the schedule schema before it was written.
  const definition = withPolicyDefaults(JSON.parse(chunks.join("")) as ScheduleDefinition);
  return {
    id: requiredText(entity, "id"),
    definition,
    createdAt: requiredText(entity, "createdAt"),
    updatedAt: requiredText(entity, "updatedAt"),
    activatedAt: requiredText(entity, "activatedAt"),
    ...(typeof entity.activationId === "string" ? { activationId: entity.activationId } : {}),
    ...(typeof entity.statusReason === "string" ? { statusReason: entity.statusReason } : {}),
    ...(typeof entity.enablementId === "string" ? { enablementId: entity.enablementId } : {}),
    nextRunAt: optionalText(entity, "nextRunAt"),
    dueAt: optionalText(entity, "dueAt"),
    etag,
  };
}

/**
 * A definition written before `policy.overlap` existed has none: it is `allow` (CONTRACT 2.5, "an omitted overlap
 * is returned as allow"), as the schema's default gives every definition written since.
 */
function withPolicyDefaults(definition: ScheduleDefinition): ScheduleDefinition {
  const policy = definition.policy as Partial<ScheduleDefinition["policy"]> | undefined;
  if (policy?.overlap !== undefined) return definition;
  return { ...definition, policy: { catchUp: "latest", ...policy, overlap: "allow" } };
}

/** `writtenAt` tells a row that a writer may still be completing from one a crash left behind. */
export function nameEntity(name: string, scheduleId: string, writtenAt: Date): ScheduleEntity {
  return {
    partitionKey: namePartitionKey(name),
    rowKey: NAME_ROW_KEY,
    scheduleId,
    writtenAt: writtenAt.toISOString(),
  };
}

export function dueEntity(dueAt: string, scheduleId: string, writtenAt: Date): ScheduleEntity {
  return {
    partitionKey: duePartitionKey(dueAt),
    rowKey: dueRowKey(dueAt, scheduleId),
    scheduleId,
    dueAt: fixedWidthInstant(dueAt),
    writtenAt: writtenAt.toISOString(),
  };
}

export function dueEntryFromEntity(entity: Record<string, unknown>, etag: string): DueEntry {
  return {
    scheduleId: requiredText(entity, "scheduleId"),
    dueAt: requiredText(entity, "dueAt"),
    writtenAt: requiredText(entity, "writtenAt"),
    etag,
  };
}

export function scheduleIdFromNameEntity(entity: Record<string, unknown>): string {
  return requiredText(entity, "scheduleId");
}

/** When a name or due row was written, in milliseconds. */
export function writtenAtOf(entity: Record<string, unknown>): number {
  return Date.parse(requiredText(entity, "writtenAt"));
}

function requiredText(entity: Record<string, unknown>, property: string): string {
  const value = entity[property];
  if (typeof value !== "string") {
    throw new Error(
      `Row ${String(entity.partitionKey)}/${String(entity.rowKey)} lacks the text property ${property}`,
    );
  }
  return value;
}

function optionalText(entity: Record<string, unknown>, property: string): string | null {
  return entity[property] === undefined || entity[property] === null ? null : requiredText(entity, property);
}
