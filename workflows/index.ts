// Every workflow type the worker registers. The Web UI starts them by these names.
export { syncIntegration } from './syncIntegration';
export { objectEvents } from './objectEvents';
