import { randomBytes } from "node:crypto";
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
  type FieldIssue,
} from "../errors.js";
import { nextOccurrences } from "../recurrence/occurrences.js";
import { StepLimitError } from "../recurrence/step-budget.js";
import { detectionOf, type DatastoreTrigger, type Trigger } from "../recurrence/trigger-schema.js";
import type { Settings } from "../settings/settings.js";
import type { ScheduleListPage, ScheduleListQuery, ScheduleStore } from "../state/schedule-store.js";
import { allowedSubmitUrlFor, type WorkspaceSettings } from "../submit/endpoint-url.js";
import { checkV2Target, v2TargetingFromSettings } from "../submit/v2/v2-targeting.js";
import { isV2Target, targetFieldIssues } from "../schedules/target-rules.js";
import {
  activatesSchedule,
  timingOnCreate,
  timingOnUpdate,
  truncateToSecond,
} from "../schedules/lifecycle.js";
import { applyMergePatch, isJsonObject, jsonEqual, type JsonObject } from "../schedules/merge-patch.js";
import { checkNotifyUrlAllowed } from "../schedules/notify-url.js";
import { parseInput } from "../schedules/parse-input.js";
import type { NewScheduleRecord, ScheduleRecord } from "../schedules/record.js";
import {
  PATCHABLE_FIELDS,
  scheduleDefinitionSchema,
  scheduleNameSchema,
  TARGET_KINDS,
  type ScheduleDefinition,
  type ScheduleStatus,
} from "../schedules/schema.js";

/** The schedule use cases of the HTTP API (CONTRACT 1, 4), over a ScheduleStore, at one instant `now`. */
export interface ScheduleUseCaseContext {
  store: ScheduleStore;
  settings: Pick<Settings, "ALLOWED_ENDPOINT_HOSTS" | "ALLOWED_NOTIFY_HOSTS"> &
    WorkspaceSettings &
    Partial<Pick<Settings, "AML_ARM_BASE_URL" | "AML_INVOKE_TOKEN_HOSTS">>;
  now: Date;
  /** The local host allows loopback endpoints over http (CONTRACT 5); the Azure app does not. */
  allowLoopbackEndpoints: boolean;
  /** When given, a datastore trigger must name a registered datastore (CONTRACT 4, datastore registry). */
  isDatastoreRegistered?: (name: string) => Promise<boolean>;
  /** When given, activating a change-based schedule saves its folder's baseline first (CONTRACT 2.3). */
  folderBaselines?: FolderBaselines;
}

/**
 * The baselines of change-based schedules (CONTRACT 2.3): an activation (creation, re-enabling, trigger change) of
 * an Active one lists its folder before it is answered, and what the listing shows never fires.
 */
export interface FolderBaselines {
  /**
   * Lists the trigger's folder and saves what it holds as the baseline of the activation. Throws a ValidationError
   * on `trigger.datastoreName` when the datastore cannot be listed as registered, and a ServiceUnavailableError
   * when it cannot be listed now.
   */
  save(scheduleId: string, trigger: DatastoreTrigger, activation: FolderBaselineActivation): Promise<void>;
  /** Removes the baseline of an activation whose schedule was not written. */
  discard(scheduleId: string, activationId: string): Promise<void>;
}

export interface FolderBaselineActivation {
  activatedAt: string;
  activationId: string;
}

const SCHEDULE_ID = /^[0-9a-f]{32}$/;
/** Fields of a returned schedule that a client may send back but never change. */
const READ_ONLY_FIELDS = new Set([
  "id",
  "triggerDescription",
  "createdAt",
  "updatedAt",
  "nextRunAt",
  "etag",
  "lastRun",
  "statusReason",
]);
/** Attempts of a write that lost a race with another writer, when the client sent no If-Match. */
const UNCONDITIONAL_WRITE_ATTEMPTS = 3;

export function newScheduleId(): string {
  return randomBytes(16).toString("hex");
}

function newEnablementId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * What the service tracks about the schedule's status across a write: enabling (Disabled to Active) starts a new
 * enablement, which clears the consecutive failures and the `statusReason` (CONTRACT 2.5); any other write keeps
 * them.
 */
function statusTracking(
  current: ScheduleRecord,
  next: ScheduleDefinition,
): Pick<NewScheduleRecord, "statusReason" | "enablementId"> {
  if (current.definition.status === "Disabled" && next.status === "Active") {
    return { enablementId: newEnablementId() };
  }
  return {
    ...(current.statusReason === undefined ? {} : { statusReason: current.statusReason }),
    ...(current.enablementId === undefined ? {} : { enablementId: current.enablementId }),
  };
}

export async function createSchedule(
  context: ScheduleUseCaseContext,
  body: unknown,
): Promise<ScheduleRecord> {
  const definition = await validateDefinition(context, body);
  const createdAt = context.now.toISOString();
  const record: NewScheduleRecord = {
    id: newScheduleId(),
    definition,
    createdAt,
    updatedAt: createdAt,
    ...withinStepLimit(() => timingOnCreate(definition, context.now), 1),
    ...(definition.status === "Active" ? { enablementId: newEnablementId() } : {}),
  };
  return writeActivation(context, record, true, (activated) => context.store.insert(activated));
}

/** By id first, then by name, since a name may look like an id. */
export async function findSchedule(store: ScheduleStore, idOrName: string): Promise<ScheduleRecord> {
  const byId = SCHEDULE_ID.test(idOrName) ? await store.get(idOrName) : undefined;
  if (byId !== undefined) return byId;
  const byName = scheduleNameSchema.safeParse(idOrName).success ? await store.getByName(idOrName) : undefined;
  if (byName === undefined) throw new NotFoundError(`There is no schedule with id or name ${idOrName}`);
  return byName;
}

export function listSchedules(store: ScheduleStore, query: ScheduleListQuery): Promise<ScheduleListPage> {
  return store.list(query);
}

/** JSON merge patch (RFC 7396) of the PATCHABLE_FIELDS, validated as a whole definition after merging. */
export async function patchSchedule(
  context: ScheduleUseCaseContext,
  id: string,
  patch: unknown,
  ifMatch: string | undefined,
): Promise<ScheduleRecord> {
  if (!isJsonObject(patch)) throw ValidationError.single("", "must be a JSON object (a merge patch)");
  checkPatchFields(patch);
  if (patch.status === null) {
    // RFC 7396 null removes; status would then take its create default, Active, and enable the schedule.
    throw ValidationError.single("status", 'cannot be removed: set "Active" or "Disabled"');
  }
  return updateSchedule(context, id, ifMatch, async (current) => {
    if (
      Object.hasOwn(patch, "experimentName") &&
      patch.experimentName !== current.definition.experimentName
    ) {
      throw ValidationError.single("experimentName", "cannot be changed after creation");
    }
    const { experimentName: _unchanged, ...changes } = patch;
    return validateDefinition(context, mergeIntoDefinition(current.definition, changes));
  });
}

export function setScheduleStatus(
  context: ScheduleUseCaseContext,
  id: string,
  status: ScheduleStatus,
  ifMatch: string | undefined,
): Promise<ScheduleRecord> {
  return updateSchedule(context, id, ifMatch, (current) =>
    Promise.resolve({ ...current.definition, status }),
  );
}

/** Only a Disabled schedule may be deleted, so that a schedule never disappears between two of its runs unseen. */
export async function deleteSchedule(
  context: ScheduleUseCaseContext,
  id: string,
  ifMatch: string | undefined,
): Promise<void> {
  const current = await requireScheduleById(context.store, id);
  checkIfMatch(current, ifMatch);
  if (current.definition.status === "Active") {
    throw new ConflictError(`Schedule ${current.definition.name} is Active; disable it before deleting it`);
  }
  await context.store.delete(current, ifMatch ?? current.etag);
}

/**
 * The instants strictly after `after` at which the schedule fires; none for Disabled and change-based
 * schedules. Occurrences before `nextRunAt` are skipped: they are past, or precede an update that does not run
 * immediately.
 */
export function upcomingFireTimes(record: ScheduleRecord, after: Date, count: number): Date[] {
  const trigger = record.definition.trigger;
  if (record.definition.status !== "Active" || trigger.type === "datastore" || record.nextRunAt === null) {
    return [];
  }
  const notBefore = new Date(record.nextRunAt).getTime() - 1;
  const from = new Date(Math.max(after.getTime(), notBefore));
  return withinStepLimit(() => nextOccurrences(trigger, new Date(record.activatedAt), from, count), count);
}

export interface TriggerPreview {
  trigger: Trigger;
  count: number;
  /** Default: just before the creation instant, so that an immediate run is listed. */
  after?: Date | undefined;
  /** Default: now. */
  createdAt?: Date | undefined;
}

/** The instants at which a schedule created at `createdAt` with this trigger would fire (POST /triggers/preview). */
export function previewFireTimes(preview: TriggerPreview, now: Date): Date[] {
  const trigger = preview.trigger;
  if (trigger.type === "datastore") {
    throw ValidationError.single(
      "trigger.type",
      'must be "recurrence" or "cron": a datastore trigger fires on changes, not at computed instants',
    );
  }
  const activatedAt = truncateToSecond(preview.createdAt ?? now);
  const after = preview.after ?? new Date(activatedAt.getTime() - 1);
  return withinStepLimit(() => nextOccurrences(trigger, activatedAt, after, preview.count), preview.count);
}

/**
 * Runs one bounded computation of occurrences (StepBudget) for a request. Past the bound it is a 400: on `count`
 * when some of the `requested` occurrences were found (fewer can be had), else on `trigger`; nothing is written.
 */
function withinStepLimit<T>(compute: () => T, requested: number): T {
  try {
    return compute();
  } catch (error) {
    if (!(error instanceof StepLimitError)) throw error;
    if (error.computed > 0 && requested > 1) {
      throw ValidationError.single(
        "count",
        `is too many for this trigger: ${error.message}; ask for at most ${error.computed}`,
      );
    }
    throw ValidationError.single("trigger", `cannot be scheduled: ${error.message}`);
  }
}

async function validateDefinition(
  context: ScheduleUseCaseContext,
  input: unknown,
): Promise<ScheduleDefinition> {
  const definition = parseInput(scheduleDefinitionSchema, input);
  const issues = targetFieldIssues(definition);
  if (issues.length > 0) throw new ValidationError(issues);
  // A target must resolve to an allowed URL now, not fail on every run later (CONTRACT 3, 7).
  if (isV2Target(definition.target)) {
    checkV2Target(
      definition.target,
      v2TargetingFromSettings(context.settings, context.allowLoopbackEndpoints),
    );
  } else {
    allowedSubmitUrlFor(definition.target, context.settings, {
      allowedHosts: context.settings.ALLOWED_ENDPOINT_HOSTS,
      allowLoopback: context.allowLoopbackEndpoints,
    });
  }
  if (definition.notify !== undefined) {
    checkNotifyUrlAllowed(new URL(definition.notify.url), {
      allowedHosts: context.settings.ALLOWED_NOTIFY_HOSTS,
      allowLoopback: context.allowLoopbackEndpoints,
    });
  }
  const trigger = definition.trigger;
  if (
    trigger.type === "datastore" &&
    context.isDatastoreRegistered !== undefined &&
    !(await context.isDatastoreRegistered(trigger.datastoreName))
  ) {
    throw ValidationError.single(
      "trigger.datastoreName",
      `no datastore named ${trigger.datastoreName} is registered`,
    );
  }
  return definition;
}

function checkPatchFields(patch: JsonObject): void {
  const patchable: readonly string[] = PATCHABLE_FIELDS;
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(patch)) {
    if (patchable.includes(key) || key === "experimentName") continue;
    issues.push({ path: key, message: READ_ONLY_FIELDS.has(key) ? "is read-only" : "unknown field" });
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

/**
 * RFC 7396 merge of the patch into the definition, with two readings where a literal merge would only produce
 * an error: a trigger of another `type`, or a target of another kind, replaces the current one rather than
 * mixing fields of two kinds; and a snake_case alias patches the camelCase field the trigger already has.
 */
function mergeIntoDefinition(current: ScheduleDefinition, patch: JsonObject): unknown {
  const base: JsonObject = { ...current };
  const changes: JsonObject = { ...patch };
  const triggerPatch = patch.trigger;
  if (isJsonObject(triggerPatch)) {
    if (triggerPatch.type !== undefined && triggerPatch.type !== current.trigger.type) base.trigger = {};
    else {
      changes.trigger = renameAliasesOfPresentFields(triggerPatch, current.trigger);
      base.trigger = withoutIntervalOfLeftMode(current.trigger, triggerPatch);
    }
  }
  if (isJsonObject(patch.target) && namesAnotherTargetKind(patch.target, current.target)) base.target = {};
  return applyMergePatch(base, changes);
}

/**
 * A patch that switches a datastore trigger's `detection` leaves the interval of the mode it leaves behind
 * (`pollingIntervalMinutes` is returned with its default of 5, so a client may never have sent it); a patch that
 * names that interval itself keeps it, and is refused if it does not remove it (CONTRACT 2.3).
 */
function withoutIntervalOfLeftMode(current: Trigger, triggerPatch: JsonObject): JsonObject {
  const base: JsonObject = { ...current };
  if (current.type !== "datastore" || !Object.hasOwn(triggerPatch, "detection")) return base;
  const nextMode = triggerPatch.detection === null ? "poll" : triggerPatch.detection;
  const left = detectionOf(current);
  if (nextMode === left) return base;
  const leftInterval = left === "events" ? "reconcileMinutes" : "pollingIntervalMinutes";
  if (!Object.hasOwn(triggerPatch, leftInterval)) delete base[leftInterval];
  return base;
}

function namesAnotherTargetKind(targetPatch: JsonObject, current: ScheduleDefinition["target"]): boolean {
  return TARGET_KINDS.some(
    (kind) => targetPatch[kind] !== undefined && targetPatch[kind] !== null && !Object.hasOwn(current, kind),
  );
}

function renameAliasesOfPresentFields(triggerPatch: JsonObject, current: Trigger): JsonObject {
  const renamed: JsonObject = {};
  for (const [key, value] of Object.entries(triggerPatch)) {
    const camel = key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
    const target =
      camel !== key && Object.hasOwn(current, camel) && !Object.hasOwn(triggerPatch, camel) ? camel : key;
    Object.defineProperty(renamed, target, { value, enumerable: true, writable: true, configurable: true });
  }
  return renamed;
}

/**
 * Writes a record that may activate a change-based schedule. The folder's baseline is saved before the record
 * names it, so that no crash leaves an Active schedule without the baseline of its activation; a write refused
 * before the schedule row changed discards it (after another failure the row may have changed, and a baseline
 * no schedule names is only an unused row).
 */
async function writeActivation(
  context: ScheduleUseCaseContext,
  record: NewScheduleRecord,
  activates: boolean,
  write: (record: NewScheduleRecord) => Promise<ScheduleRecord>,
): Promise<ScheduleRecord> {
  const baselines = context.folderBaselines;
  const trigger = record.definition.trigger;
  const needsBaseline = activates && record.definition.status === "Active" && trigger.type === "datastore";
  if (!needsBaseline || baselines === undefined) return write(record);
  const activationId = randomBytes(8).toString("hex");
  await baselines.save(record.id, trigger, { activatedAt: record.activatedAt, activationId });
  try {
    return await write({ ...record, activationId });
  } catch (error) {
    const refused =
      error instanceof PreconditionFailedError ||
      error instanceof ConflictError ||
      error instanceof NotFoundError;
    // The refusal is what the caller must see; a baseline left behind is an unused row, removed with the schedule.
    if (refused) await baselines.discard(record.id, activationId).catch(() => undefined);
    throw error;
  }
}

async function requireScheduleById(store: ScheduleStore, id: string): Promise<ScheduleRecord> {
  const record = SCHEDULE_ID.test(id) ? await store.get(id) : undefined;
  if (record === undefined) throw new NotFoundError(`There is no schedule with id ${id}`);
  return record;
}

/** `If-Match: *` matches any existing schedule (CONTRACT 4); otherwise the ETag must be the stored one. */
function checkIfMatch(current: ScheduleRecord, ifMatch: string | undefined): void {
  if (ifMatch === undefined || ifMatch.trim() === "*" || ifMatch.trim() === current.etag) return;
  throw new PreconditionFailedError(`If-Match ${ifMatch} does not match the schedule's ETag ${current.etag}`);
}

/**
 * Reads the schedule, derives the next definition and writes it conditionally. A definition equal to the current
 * one writes nothing. Without If-Match, a write that lost a race with another writer is tried again on a fresh read.
 */
async function updateSchedule(
  context: ScheduleUseCaseContext,
  id: string,
  ifMatch: string | undefined,
  nextDefinition: (current: ScheduleRecord) => Promise<ScheduleDefinition>,
): Promise<ScheduleRecord> {
  for (let attempt = 1; ; attempt++) {
    const current = await requireScheduleById(context.store, id);
    checkIfMatch(current, ifMatch);
    const definition = await nextDefinition(current);
    if (jsonEqual(definition, current.definition)) return current;
    const activates = activatesSchedule(current, definition);
    const next: NewScheduleRecord = {
      id: current.id,
      definition,
      createdAt: current.createdAt,
      updatedAt: context.now.toISOString(),
      ...withinStepLimit(() => timingOnUpdate(current, definition, context.now), 1),
      ...(activates || current.activationId === undefined ? {} : { activationId: current.activationId }),
      ...statusTracking(current, definition),
    };
    try {
      return await writeActivation(context, next, activates, (activated) =>
        context.store.replace(current, activated, ifMatch?.trim() ?? current.etag),
      );
    } catch (error) {
      const lostRace = error instanceof PreconditionFailedError && ifMatch === undefined;
      if (!lostRace || attempt >= UNCONDITIONAL_WRITE_ATTEMPTS) throw error;
    }
  }
}
