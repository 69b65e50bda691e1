export { startApp, runApp, type AppName, type AppProcess } from './app-process.js';
export { NGINX, freePort, grpcConfig, httpConfig, nginxAvailable, startNginx, webrtcConfig, type Nginx, type Replica } from './nginx-balancer.js';
export { CHROMIUM, HEADLESS_CHROMIUM_ARGS, bundleForBrowser, launchChromium } from './browser.js';
export { waitUntil, type WaitUntilOptions } from './wait-until.js';
export { spokenQuestion, streamVoiceLoop } from './voice-loop.js';
