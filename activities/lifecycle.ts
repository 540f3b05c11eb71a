// Process lifecycle the activities can see: once the worker is asked to stop, a paging activity
// returns its progress at the next page boundary instead of running until the grace time cuts it off
// (which would count as a failed attempt). The workflow then schedules the rest on another worker.
export const lifecycle = { draining: false };
