import type { NewScheduleRecord, ScheduleRecord } from "../schedules/record.js";
import type { ScheduleStatus } from "../schedules/schema.js";

/** Filters of GET /schedules (CONTRACT 4). */
export interface ScheduleListQuery {
  status?: ScheduleStatus;
  pipelineId?: string;
  pipelineEndpointId?: string;
  triggerType?: "recurrence" | "cron" | "datastore";
  /** 1-1000. */
  top: number;
  /** Opaque token from a previous page. */
  continuationToken?: string;
}

export interface ScheduleListPage {
  items: ScheduleRecord[];
  /** Present when there may be more. */
  continuationToken?: string;
}

/** A schedule that the scheduling pass must look at: an entry of the due index. */
export interface DueEntry {
  scheduleId: string;
  dueAt: string;
  /** When the entry was written: a young entry may belong to a write that is still in progress. */
  writtenAt: string;
  /** The entry's ETag as read, so that discarding it never removes an entry written again since. */
  etag: string;
}

/**
 * Where schedules are kept. Every write is conditional: names are unique by an insert that fails on
 * conflict, and `ifMatch` ("*" or an ETag) guards replace and delete.
 */
export interface ScheduleStore {
  /** Throws ConflictError when the name is taken. */
  insert(record: NewScheduleRecord): Promise<ScheduleRecord>;
  get(id: string): Promise<ScheduleRecord | undefined>;
  getByName(name: string): Promise<ScheduleRecord | undefined>;
  list(query: ScheduleListQuery): Promise<ScheduleListPage>;
  /**
   * Replaces `current` (as read) with `next` (same id), moving the name and the due index entry as needed.
   * Throws PreconditionFailedError when the stored ETag is not `ifMatch` ("*" matches any), NotFoundError when
   * the schedule is gone, ConflictError when a new name is taken. `knownDueEntry`, the schedule's due entry as
   * findDue just read it, stands in for a read of that entry when `current` is still due then (a pass moving a
   * schedule on, one storage round trip fewer per fired run).
   */
  replace(
    current: ScheduleRecord,
    next: NewScheduleRecord,
    ifMatch: string,
    knownDueEntry?: DueEntry,
  ): Promise<ScheduleRecord>;
  /** Throws PreconditionFailedError / NotFoundError as replace does. */
  delete(current: ScheduleRecord, ifMatch: string): Promise<void>;
  /** Due index entries with dueAt <= now, oldest first, at most `limit`: cost in proportion to the number due. */
  findDue(now: Date, limit: number): Promise<DueEntry[]>;
  /**
   * Removes an entry that findDue returned and that no longer matches its schedule (the schedule is gone or
   * its dueAt differs), left by a crash between the steps of a write. Keeps it while it is younger than a
   * minute, as its writer may be between writing it and writing the schedule.
   */
  discardDueEntry(entry: DueEntry): Promise<void>;
  /** Resolves when storage answers; for /health. */
  ping(): Promise<void>;
}
