export { ContainerRuntime, type ContainerHost } from './container-runtime.js';
export { containerOptionsFromEnv, type ContainerExecutorOptions } from './container-options.js';
export { reapStale, liveContainerNames } from './container-ownership.js';
export { ContainerEngine, detectEngine, CONTAINER_LABEL, OWNER_LABEL, type DetectEngineOptions } from './container-engine.js';
export {
  containerSettingsSchema,
  checkContainerSettings,
  NOT_ALLOWED,
  DEFAULT_CONTAINER_SPEC,
  DEFAULT_CONTAINER_LIMITS,
  type ContainerSettings,
  type ContainerRequest,
  type ContainerSpec,
  type ContainerLimits,
  type ContainerMount,
  type ContainerPolicy,
} from './container-settings.js';
