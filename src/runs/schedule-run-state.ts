import { RestError, type TableClient } from "@azure/data-tables";
import { runPartitionKey } from "./run-ids.js";

/**
 * What the overlap and failure policies of one schedule keep between its runs (CONTRACT 2.5). One row in the
 * schedule's run partition (`s_<scheduleId>` / `policy`, beside its runs and occurrence keys), written only by a
 * conditional write, so that two instances deciding about the schedule's runs at once cannot both act on what the
 * other just changed.
 */
export interface ScheduleRunState {
  scheduleId: string;
  /**
   * Runs let through while `policy.overlap` is `skip` or `bufferOne` (scheduled and manual), until their end is
   * recorded. The runs themselves say whether they are still unfinished: a run is dropped from here as soon as one
   * is read that has ended.
   */
  inFlight: string[];
  /** The run `bufferOne` holds (Deferred), or null. */
  held: string | null;
  /** Consecutive failed scheduled runs of one enablement of the schedule, in the order they ended. */
  failures: { enablementId: string; count: number };
  /** The last runs whose end was recorded here, newest last: a repeated end (a retry after a crash) counts once. */
  endedRuns: string[];
  /** The row's ETag as read; null while the row does not exist. */
  etag: string | null;
}

/** How many ended runs the state remembers; more than the runs whose end can be handled twice at once. */
export const REMEMBERED_ENDINGS = 50;

export interface ScheduleRunStateStore {
  /** The state of the schedule's runs; an empty state (etag null) when none was written yet. */
  get(scheduleId: string): Promise<ScheduleRunState>;
  /**
   * Writes `state` if the row is still as it was read (its etag; null: still absent). Undefined when another writer
   * came first: read it again and decide again.
   */
  save(state: ScheduleRunState): Promise<ScheduleRunState | undefined>;
}

export function emptyRunState(scheduleId: string): ScheduleRunState {
  return {
    scheduleId,
    inFlight: [],
    held: null,
    failures: { enablementId: "", count: 0 },
    endedRuns: [],
    etag: null,
  };
}

const STATE_ROW_KEY = "policy";

type StoredState = Omit<ScheduleRunState, "scheduleId" | "etag">;

/** The state row, in the runs table (its RowKey sorts outside the `run:` and `occ:` ranges the run store reads). */
export class TableScheduleRunStateStore implements ScheduleRunStateStore {
  constructor(private readonly table: TableClient) {}

  async get(scheduleId: string): Promise<ScheduleRunState> {
    try {
      const entity = await this.table.getEntity<{ state: string }>(
        runPartitionKey(scheduleId),
        STATE_ROW_KEY,
      );
      const stored = JSON.parse(entity.state) as Partial<StoredState>;
      return { ...emptyRunState(scheduleId), ...stored, scheduleId, etag: entity.etag };
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return emptyRunState(scheduleId);
      throw error;
    }
  }

  async save(state: ScheduleRunState): Promise<ScheduleRunState | undefined> {
    const stored: StoredState = {
      inFlight: state.inFlight,
      held: state.held,
      failures: state.failures,
      endedRuns: state.endedRuns.slice(-REMEMBERED_ENDINGS),
    };
    const entity = {
      partitionKey: runPartitionKey(state.scheduleId),
      rowKey: STATE_ROW_KEY,
      state: JSON.stringify(stored),
    };
    try {
      const response =
        state.etag === null
          ? await this.table.createEntity(entity)
          : await this.table.updateEntity(entity, "Replace", { etag: state.etag });
      return { ...state, ...stored, etag: response.etag ?? (await this.get(state.scheduleId)).etag };
    } catch (error) {
      // 409: another writer created the row first; 412: another writer changed it since it was read.
      if (error instanceof RestError && (error.statusCode === 409 || error.statusCode === 412))
        return undefined;
      throw error;
    }
  }
}
