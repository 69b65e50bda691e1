export { startApp, runApp, type AppName, type AppProcess } from './app-process.js';
