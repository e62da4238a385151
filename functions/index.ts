import { app } from "@azure/functions";
import { registerTriggers } from "../src/host/azure-registration.js";
import { createServices } from "../src/host/create-services.js";
import { allTriggers, memoizeServices } from "../src/host/triggers.js";
import { loadSettings } from "../src/settings/settings.js";

// Read when the app loads, so that a missing or malformed setting stops it at start with a message naming it.
const settings = loadSettings(process.env);

registerTriggers(app, allTriggers(memoizeServices(() => createServices(settings))));
