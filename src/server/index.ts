/** `import { startBroker } from 'tributary/server'`: an in-process broker for tests and tools. */
export { startBroker, EMBEDDED_DEFAULTS, type StartBrokerOptions, type RunningBroker } from './broker.js';
