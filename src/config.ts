// The one module to import the config from (tests, docs): finding and reading the file live in config-file.ts,
// parsing and validation in config-parse.ts (imported by config-file.ts only once a file exists), the type and file
// name in config-types.ts. Code under src/ imports those directly, so `yaml` stays unloaded when there is no file.
export { CONFIG_FILE, type KdiagConfig } from './config-types.js';
export { findConfigFile, loadConfig } from './config-file.js';
export { parseConfig } from './config-parse.js';
