/**
 * Runs install steps in order. Each step first tells from the cluster whether it is done; done steps are skipped
 * and the reason is reported. Cancellation stops at a safe point: between steps, between manifests, or inside a
 * wait (which changes nothing), never halfway through a manifest, so the next run resumes where this one stopped.
 */
import * as l10n from '@vscode/l10n';
import { isClusterError } from '../cluster';
import { InstallDeclinedError, type InstallContext, type InstallStep, type InstallStepId } from './types';

export type StepOutcome = 'skipped' | 'completed' | 'cancelled' | 'failed' | 'notRun';

export interface StepReport {
  id: InstallStepId;
  title: string;
  outcome: StepOutcome;
  detail: string;
}

export interface InstallReport {
  /** 'declined': the user said no to a confirmation (the step's detail says which). */
  status: 'completed' | 'cancelled' | 'declined' | 'failed';
  steps: StepReport[];
}

/** A step failed; `stepId` says which, the message says why (the cause's message, already user-readable). */
export class InstallStepError extends Error {
  override readonly name = 'InstallStepError';
  constructor(
    readonly stepId: InstallStepId,
    readonly stepTitle: string,
    message: string,
    readonly report: InstallReport,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Whether an error is the run being cancelled (our signal, a cancelled wait, a killed violet). */
function isCancellation(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || isClusterError(err, 'cancelled') || (err instanceof Error && err.name === 'AbortError');
}

/**
 * Runs `steps` in order and resolves with what happened to each. Resolves with status 'cancelled' when
 * `ctx.signal` aborts, 'declined' when the user refused a confirmation; rejects with InstallStepError when a step fails (its report says which steps ran).
 */
export async function runInstall(steps: readonly InstallStep[], ctx: InstallContext): Promise<InstallReport> {
  const reports: StepReport[] = steps.map((s) => ({ id: s.id, title: s.title, outcome: 'notRun', detail: '' }));
  const report = (status: InstallReport['status']): InstallReport => ({ status, steps: reports });
  for (const [index, step] of steps.entries()) {
    const entry = reports[index];
    if (!entry) continue;
    const label = `[${index + 1}/${steps.length}] ${step.title}`;
    if (ctx.signal.aborted) {
      ctx.logger.info(`${label}: not started, the install was cancelled.`);
      return report('cancelled');
    }
    try {
      const state = await step.isDone(ctx);
      if (state.done) {
        entry.outcome = 'skipped';
        entry.detail = state.detail;
        const text = l10n.t('{0}: skipped: already done ({1})', label, state.detail);
        ctx.progress(text);
        ctx.logger.info(ctx.redactor.redact(text));
        continue;
      }
      ctx.progress(label);
      ctx.logger.info(ctx.redactor.redact(`${label}: starting (${state.detail})`));
      await step.run(ctx);
      entry.outcome = 'completed';
      entry.detail = l10n.t('done');
      ctx.logger.info(`${label}: done`);
    } catch (err) {
      if (err instanceof InstallDeclinedError) {
        entry.outcome = 'cancelled';
        entry.detail = err.message;
        ctx.logger.info(`${label}: ${err.message}`);
        return report('declined');
      }
      if (isCancellation(err, ctx.signal)) {
        entry.outcome = 'cancelled';
        entry.detail = l10n.t('cancelled; run the install again to resume');
        ctx.logger.warn(`${label}: cancelled. Nothing was left half-applied; run the install again to resume.`);
        return report('cancelled');
      }
      const message = ctx.redactor.redact(messageOf(err));
      entry.outcome = 'failed';
      entry.detail = message;
      ctx.logger.error(`${label} failed: ${message}`);
      throw new InstallStepError(step.id, step.title, l10n.t('{0} failed: {1}', step.title, message), report('failed'), { cause: err });
    }
  }
  return report('completed');
}
