/** What `npm start` (the local host) is asked to do. */
export interface LocalHostCommand {
  port: number;
  /** Keep the embedded Azurite's data in `.azurite/` under the current directory instead of in memory. */
  persist: boolean;
  help: boolean;
}

export const DEFAULT_LOCAL_PORT = 7071;

export const LOCAL_HOST_USAGE = `Usage: npm start -- [--port <n>] [--persist]

  --port <n>   port of the API on 127.0.0.1 (default: $PORT, else ${DEFAULT_LOCAL_PORT})
  --persist    keep the embedded Azurite's data in .azurite/ under the current directory (default: in memory)
  --help       show this text

Storage: AzureWebJobsStorage from the environment when set (no Azurite is started), else an embedded Azurite.`;

export class CommandLineError extends Error {
  override name = "CommandLineError";
}

/** Reads the flags and `PORT`; throws CommandLineError naming the flag or variable that is wrong. */
export function parseCommandLine(
  args: readonly string[],
  env: Record<string, string | undefined>,
): LocalHostCommand {
  let port: number | undefined;
  let persist = false;
  let help = false;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? "";
    if (arg === "--persist") persist = true;
    else if (arg === "--help" || arg === "-h") help = true;
    else if (arg === "--port") {
      port = portFrom(args[index + 1], "--port");
      index += 1;
    } else if (arg.startsWith("--port=")) port = portFrom(arg.slice("--port=".length), "--port");
    else throw new CommandLineError(`Unknown argument "${arg}"\n\n${LOCAL_HOST_USAGE}`);
  }
  const envPort = env.PORT?.trim();
  port ??= envPort ? portFrom(envPort, "PORT") : DEFAULT_LOCAL_PORT;
  return { port, persist, help };
}

function portFrom(text: string | undefined, source: string): number {
  if (text === undefined || !/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65_535) {
    throw new CommandLineError(
      `${source} must be a port number from 1 to 65535${text === undefined ? "" : `, not "${text}"`}`,
    );
  }
  return Number(text);
}
