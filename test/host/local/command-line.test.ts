import { describe, expect, it } from "vitest";
import { CommandLineError, parseCommandLine } from "../../../src/host/local/command-line.js";

describe("parseCommandLine", () => {
  it("defaults to port 7071, in memory", () => {
    expect(parseCommandLine([], {})).toEqual({ port: 7071, persist: false, help: false });
  });

  it("reads --port, --port=, --persist and PORT, the flag winning over PORT", () => {
    expect(parseCommandLine(["--port", "8080", "--persist"], { PORT: "9000" })).toEqual({
      port: 8080,
      persist: true,
      help: false,
    });
    expect(parseCommandLine(["--port=8081"], {}).port).toBe(8081);
    expect(parseCommandLine([], { PORT: "9000" }).port).toBe(9000);
    expect(parseCommandLine(["--help"], {}).help).toBe(true);
  });

  it.each([
    [["--port"], {}, /--port must be a port number/],
    [["--port", "http"], {}, /--port must be a port number from 1 to 65535, not "http"/],
    [["--port", "70000"], {}, /--port must be/],
    [[], { PORT: "0" }, /PORT must be a port number/],
    [["--presist"], {}, /Unknown argument "--presist"/],
  ] as const)("rejects %j %j naming the culprit", (args, env, message) => {
    expect(() => parseCommandLine(args, env)).toThrow(CommandLineError);
    expect(() => parseCommandLine(args, env)).toThrow(message);
  });
});
