// Whether another workflow runs, asked from inside a workflow: a signal that only a running execution
// accepts (its handler does nothing). Used so that a scoped sync never runs beside the full one.
import { ApplicationFailure } from '@temporalio/common';
import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import { runningProbeSignal } from './definitions';

/** Who waits for a workflow to end asks again after this long, then twice as long each time up to the maximum: few probes on a long run. */
export const PROBE_FIRST_MS = 10_000;
const PROBE_MAX_MS = 5 * 60_000;
export const nextProbeMs = (ms: number): number => Math.min(ms * 2, PROBE_MAX_MS);

/**
 * A closed (or never started) workflow cannot be signalled ("not found"). Any other refusal (the signal
 * limit) cannot tell, and counts as not running: the caller goes ahead, as it always did.
 */
export async function isRunning(workflowId: string): Promise<boolean> {
  try {
    await getExternalWorkflowHandle(workflowId).signal(runningProbeSignal);
    return true;
  } catch (err) {
    if (!(err instanceof ApplicationFailure)) throw err;
    if (!/not found/i.test(err.message)) log.warn('cannot tell whether the workflow runs; going ahead', { workflowId, error: err.message });
    return false;
  }
}
