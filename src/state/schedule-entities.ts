import type { TableEntity } from "@azure/data-tables";
import type { NewScheduleRecord, ScheduleRecord } from "../schedules/record.js";
import type { ScheduleDefinition } from "../schedules/schema.js";
import type { DueEntry } from "./schedule-store.js";

/**
 * The table layout of the schedules, as pure functions. Every row of a schedule lives in one partition so that
 * an entity group transaction changes them together:
 * - `id:<id>` the schedule row, with the definition as JSON text and the list filters as plain columns;
 * - `name:<name>` the name row, holding the id; its insert is what makes names unique;
 * - `due:<dueAt>:<id>` the due index row, present while dueAt is set, so that the scheduling pass reads a
 *   range of keys in proportion to what is due.
 */

export const SCHEDULES_PARTITION = "schedules";

/**
 * A string property holds at most 64 KiB, i.e. 32K UTF-16 code units (Azure Table service data model); a
 * definition may be larger, so its JSON is split.
 */
export const DEFINITION_CHUNK_LENGTH = 30_000;

export const SCHEDULE_ROW_PREFIX = "id:";
/** The first key after every `id:` key (';' follows ':' in ASCII): the exclusive end of the schedule rows. */
export const SCHEDULE_ROW_END = "id;";
export const DUE_ROW_PREFIX = "due:";

export type ScheduleEntity = TableEntity<Record<string, unknown>>;

export function scheduleRowKey(id: string): string {
  return `${SCHEDULE_ROW_PREFIX}${id}`;
}

/** Names compare as stored: RowKey comparison is ordinal, so names are case-sensitive. */
export function nameRowKey(name: string): string {
  return `name:${name}`;
}

export function dueRowKey(dueAt: string, id: string): string {
  return `${DUE_ROW_PREFIX}${fixedWidthInstant(dueAt)}:${id}`;
}

/**
 * The inclusive upper bound of the due rows at or before `now`: every `due:<instant>:<id>` with instant <= now
 * sorts before it, because '~' follows ':' and every id character.
 */
export function dueRangeEnd(now: Date): string {
  return `${DUE_ROW_PREFIX}${fixedWidthInstant(now.toISOString())}~`;
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
    partitionKey: SCHEDULES_PARTITION,
    rowKey: scheduleRowKey(record.id),
    id: record.id,
    name: definition.name,
    status: definition.status,
    triggerType: definition.trigger.type,
    definitionChunks: chunks.length,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    activatedAt: record.activatedAt,
  };
  if (definition.target.pipelineId !== undefined) entity.pipelineId = definition.target.pipelineId;
  if (definition.target.pipelineEndpointId !== undefined) {
    entity.pipelineEndpointId = definition.target.pipelineEndpointId;
  }
  chunks.forEach((chunk, index) => (entity[`definition${index}`] = chunk));
  if (record.nextRunAt !== null) entity.nextRunAt = record.nextRunAt;
  if (record.dueAt !== null) entity.dueAt = record.dueAt;
  return entity;
}

/**
 * What replaces a schedule row when it is deleted: a delete in an entity group transaction cannot carry an
 * If-Match, so the conditional step is this replacement, and the row itself is removed afterwards.
 */
export function tombstoneEntity(id: string): ScheduleEntity {
  return { partitionKey: SCHEDULES_PARTITION, rowKey: scheduleRowKey(id), id, deleted: true };
}

export function isTombstone(entity: Record<string, unknown>): boolean {
  return entity.deleted === true;
}

/** The record a schedule row holds; throws when the row is not a well-formed schedule row. */
export function recordFromScheduleEntity(entity: Record<string, unknown>, etag: string): ScheduleRecord {
  const chunkCount = entity.definitionChunks;
  if (typeof chunkCount !== "number" || !Number.isInteger(chunkCount) || chunkCount < 1) {
    throw new Error(`Schedule row ${String(entity.rowKey)} has no valid definitionChunks`);
  }
  const chunks: string[] = [];
  for (let index = 0; index < chunkCount; index++) {
    chunks.push(requiredText(entity, `definition${index}`));
  }
  // The definition was validated by the schedule schema before it was written.
  const definition = JSON.parse(chunks.join("")) as ScheduleDefinition;
  return {
    id: requiredText(entity, "id"),
    definition,
    createdAt: requiredText(entity, "createdAt"),
    updatedAt: requiredText(entity, "updatedAt"),
    activatedAt: requiredText(entity, "activatedAt"),
    nextRunAt: optionalText(entity, "nextRunAt"),
    dueAt: optionalText(entity, "dueAt"),
    etag,
  };
}

export function nameEntity(name: string, scheduleId: string): ScheduleEntity {
  return { partitionKey: SCHEDULES_PARTITION, rowKey: nameRowKey(name), scheduleId };
}

export function dueEntity(dueAt: string, scheduleId: string): ScheduleEntity {
  return {
    partitionKey: SCHEDULES_PARTITION,
    rowKey: dueRowKey(dueAt, scheduleId),
    scheduleId,
    dueAt: fixedWidthInstant(dueAt),
  };
}

export function dueEntryFromEntity(entity: Record<string, unknown>): DueEntry {
  return { scheduleId: requiredText(entity, "scheduleId"), dueAt: requiredText(entity, "dueAt") };
}

export function scheduleIdFromNameEntity(entity: Record<string, unknown>): string {
  return requiredText(entity, "scheduleId");
}

function requiredText(entity: Record<string, unknown>, property: string): string {
  const value = entity[property];
  if (typeof value !== "string") {
    throw new Error(`Row ${String(entity.rowKey)} lacks the text property ${property}`);
  }
  return value;
}

function optionalText(entity: Record<string, unknown>, property: string): string | null {
  return entity[property] === undefined || entity[property] === null ? null : requiredText(entity, property);
}
