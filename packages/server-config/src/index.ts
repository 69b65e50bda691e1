export {
  ConfigError,
  Described,
  StartError,
  OPERATOR_OPTIONS,
  configFileSchema,
  loadOperatorConfig,
  operatorFlagsHelp,
  optionHelp,
  optionParser,
  readConfigFile,
  type ConfigFile,
  type LoadOptions,
  type OperatorConfig,
  type OperatorFlags,
  type OperatorOption,
} from './operator-config.js';
export { createPipelineCatalog, type CatalogLogger, type ManifestCheck, type PipelineCatalog } from './pipeline-catalog.js';
export { createOperatorRuntime, importNodeModules, type OperatorRuntime, type OperatorRuntimeOptions } from './operator-runtime.js';
export { CONFIG_EXIT_CODE, exitOnConfigError, isConfigError, reloadPipelinesOnSighup } from './app-support.js';
export { checkRemoteManifests, type RemoteCheckResult } from './remote-check.js';
export { REPLICA_NAME_PATTERN, defaultReplicaName, parseReplicaName } from './replica-name.js';
export { intFlag, boolFlag, listFlag } from './flag-parsers.js';
