#!/usr/bin/env node
import { setTimeout as sleep } from "node:timers/promises";
import { runCli } from "./program.js";

/** The `aml-schedule` binary (package.json `bin`). */
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(`${text}\n`),
  stderr: (text) => void process.stderr.write(`${text}\n`),
  env: process.env,
  sleep: (ms) => sleep(ms),
});
