/** Version of @remotemedia/transport-http; a test keeps it equal to package.json. */
export const TRANSPORT_HTTP_VERSION = '0.1.0';
export const API_VERSION = 'v1';
