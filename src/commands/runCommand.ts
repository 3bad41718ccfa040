import * as vscode from 'vscode';
import type { DeepflowLog } from '../log';

/**
 * The one error wrapper every command goes through: the full error goes to the log, the user gets one clear
 * sentence with a way to the log. Cancellation is not an error.
 */
export function guarded<Args extends unknown[]>(
  log: Pick<DeepflowLog, 'error' | 'show' | 'redact'>,
  commandId: string,
  handler: (...args: Args) => unknown,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    try {
      await handler(...args);
    } catch (error) {
      if (error instanceof vscode.CancellationError) return;
      const message = log.redact(error instanceof Error ? error.message : String(error));
      log.error(`${commandId} failed: ${error instanceof Error && error.stack ? error.stack : message}`);
      const showLog = vscode.l10n.t('Show Log');
      const choice = await vscode.window.showErrorMessage(vscode.l10n.t('DeepFlow: {0}', message), showLog);
      if (choice === showLog) log.show();
    }
  };
}
