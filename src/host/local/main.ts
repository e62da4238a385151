import { SettingsError } from "../../settings/settings.js";
import { FolderInUseError } from "./folder-lock.js";
import { CommandLineError, LOCAL_HOST_USAGE, parseCommandLine } from "./command-line.js";
import { startLocalHost, type RunningLocalHost } from "./local-host.js";

/** `npm start`: the whole service on this machine (CONTRACT 5). Exits 0 on Ctrl-C / SIGTERM, 1 on a bad start. */
async function main(): Promise<void> {
  let command;
  try {
    command = parseCommandLine(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
  if (command.help) {
    console.log(LOCAL_HOST_USAGE);
    return;
  }

  let host: RunningLocalHost;
  try {
    host = await startLocalHost({
      port: command.port,
      persist: command.persist,
      cwd: process.cwd(),
      env: process.env,
      log: (line) => console.log(line),
    });
  } catch (error) {
    console.error(
      error instanceof SettingsError || error instanceof FolderInUseError
        ? error.message
        : `The local host did not start: ${String(error)}`,
    );
    process.exit(1);
  }

  console.log(
    [
      "aml-pipeline-scheduler is running",
      `  Page:     ${host.apiUrl}/ui`,
      `  API:      ${host.apiUrl}`,
      `  OpenAPI:  ${host.openApiUrl}`,
      `  Storage:  ${host.storageDescription}`,
      ...(host.embeddedStorageConnectionString === undefined
        ? []
        : [
            `            connection string (upload into workspaceblobstore with it): ${host.embeddedStorageConnectionString}`,
          ]),
      `  Timers:   ${host.timerDescriptions.join(", ") || "none"}`,
      `  Queues:   ${host.queueDescriptions.join(", ") || "none"}`,
      `  Sandbox:  POST ${host.apiUrl}/sandbox/pipelines/{id}/submit (received: GET ${host.apiUrl}/sandbox/submissions)`,
      `  Sandbox v2: Azure ML v2 at ${host.apiUrl}/sandbox/v2 (jobs received: GET ${host.apiUrl}/sandbox/v2/jobs)`,
      `  Notify:   notify.url ${host.apiUrl}/sandbox/notifications (received: GET ${host.apiUrl}/sandbox/notifications)`,
      `  Dev tick: POST ${host.apiUrl}/dev/tick {"now": "<ISO>"} runs one scheduling pass`,
      `  Dev upload: PUT ${host.apiUrl}/dev/blobs/workspaceblobstore/incoming/a.csv {"content": "..."} writes a blob into workspaceblobstore`,
      "Press Ctrl-C to stop.",
    ].join("\n"),
  );

  let stopping = false;
  const stopOnSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: stopping`);
    host.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Stopping failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stopOnSignal);
  process.on("SIGTERM", stopOnSignal);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
