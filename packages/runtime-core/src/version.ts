/** Version of @remotemedia/runtime-core; a test keeps it equal to package.json. */
export const RUNTIME_VERSION = '0.1.0';
