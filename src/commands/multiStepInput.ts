/**
 * Multi-step input after vscode-extension-samples' quickinput-sample: each step is a function that shows one input
 * box or quick pick and returns the next step. The Back button (and a step's own "back" answer) returns to the
 * previous step, Escape cancels the whole flow, and every box shows `step/totalSteps`. Validation runs as the user
 * types, and Enter is refused while the value is invalid. A box that opens empty shows its prompt, not an error: its
 * value is judged once the user has typed, picked a file, or pressed Enter.
 */
import * as vscode from 'vscode';

/** What a step returns: the next step, or nothing when the flow is complete. */
export type InputStep = (input: MultiStepInput) => Thenable<InputStep | void>;

/** Thrown through a step to go back one step or to end the flow; never seen outside this module. */
class InputFlowAction extends Error {
  static readonly back = new InputFlowAction('back');
  static readonly cancel = new InputFlowAction('cancel');
}

export interface InputBoxParameters {
  title: string;
  /** Shown as step/totalSteps. */
  step: number;
  totalSteps: number;
  value: string;
  prompt: string;
  placeholder?: string;
  password?: boolean;
  /** A message when the value is refused; a warning object when it is accepted with a warning. */
  validate: (value: string) => string | vscode.InputBoxValidationMessage | undefined | Promise<string | vscode.InputBoxValidationMessage | undefined>;
  /** Extra buttons besides Back; `onButton` decides what they do (e.g. "Browse…" opens a file dialog and returns a value). */
  buttons?: vscode.QuickInputButton[];
  onButton?: (button: vscode.QuickInputButton, input: vscode.InputBox) => Promise<void>;
  ignoreFocusOut?: boolean;
}

export interface QuickPickParameters<T extends vscode.QuickPickItem> {
  title: string;
  step: number;
  totalSteps: number;
  items: T[];
  activeItem?: T;
  placeholder: string;
  ignoreFocusOut?: boolean;
}

function isRefusal(result: string | vscode.InputBoxValidationMessage | undefined): boolean {
  if (result === undefined) return false;
  if (typeof result === 'string') return result.length > 0;
  return result.severity === vscode.InputBoxValidationSeverity.Error;
}

export class MultiStepInput {
  private current?: vscode.QuickInput;
  private readonly steps: InputStep[] = [];

  /** Runs the flow from `start`; resolves true when it completed, false when the user cancelled. */
  static async run(start: InputStep): Promise<boolean> {
    const input = new MultiStepInput();
    return input.stepThrough(start);
  }

  private async stepThrough(start: InputStep): Promise<boolean> {
    let step: InputStep | void = start;
    try {
      while (step) {
        this.steps.push(step);
        if (this.current) {
          this.current.enabled = false;
          this.current.busy = true;
        }
        try {
          step = await step(this);
        } catch (err) {
          if (err === InputFlowAction.back) {
            this.steps.pop();
            step = this.steps.pop();
          } else if (err === InputFlowAction.cancel) {
            return false;
          } else {
            throw err;
          }
        }
      }
      return true;
    } finally {
      this.current?.dispose();
    }
  }

  /** Whether Back makes sense (not on the first step). */
  private get canGoBack(): boolean {
    return this.steps.length > 1;
  }

  /** Goes back one step, as if the user pressed Back (for "pick another file" answers). */
  back(): never {
    throw InputFlowAction.back;
  }

  async showInputBox(p: InputBoxParameters): Promise<string> {
    const disposables: vscode.Disposable[] = [];
    try {
      return await new Promise<string>((resolve, reject) => {
        const input = vscode.window.createInputBox();
        input.title = p.title;
        input.step = p.step;
        input.totalSteps = p.totalSteps;
        input.value = p.value;
        input.prompt = p.prompt;
        input.placeholder = p.placeholder;
        input.password = p.password ?? false;
        input.ignoreFocusOut = p.ignoreFocusOut ?? true;
        input.buttons = [...(this.canGoBack ? [vscode.QuickInputButtons.Back] : []), ...(p.buttons ?? [])];
        let validating: Promise<unknown> = Promise.resolve();
        // A button may open another picker (the file dialog is a quick input in the web workbench), which hides this
        // box for a while; that is not a cancel.
        let elsewhere = false;
        let generation = 0;
        // An empty box the user has not touched yet: "Enter the …" would be an error for something nobody did wrong.
        // A proposed (non-empty) value is judged at once, so a remembered answer that is no longer valid shows why.
        let touched = p.value !== '';
        const validate = (value: string): Promise<boolean> => {
          touched = true;
          const mine = ++generation;
          const run = Promise.resolve(p.validate(value)).then((result) => {
            if (mine === generation) input.validationMessage = result;
            return !isRefusal(result);
          });
          validating = run;
          return run;
        };
        disposables.push(
          input.onDidTriggerButton(async (button) => {
            if (button === vscode.QuickInputButtons.Back) {
              reject(InputFlowAction.back);
              return;
            }
            elsewhere = true;
            try {
              await p.onButton?.(button, input);
              elsewhere = false;
              input.show();
              await validate(input.value);
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
            } finally {
              elsewhere = false;
            }
          }),
          input.onDidAccept(async () => {
            const value = input.value;
            input.enabled = false;
            input.busy = true;
            await validating;
            const ok = await validate(value);
            input.enabled = true;
            input.busy = false;
            if (ok) resolve(value);
          }),
          input.onDidChangeValue((value) => {
            if (touched || value !== p.value) void validate(value);
          }),
          input.onDidHide(() => {
            if (!elsewhere) reject(InputFlowAction.cancel);
          }),
        );
        this.current?.dispose();
        this.current = input;
        if (touched) void validate(input.value);
        input.show();
      });
    } finally {
      for (const d of disposables) d.dispose();
    }
  }

  async showQuickPick<T extends vscode.QuickPickItem>(p: QuickPickParameters<T>): Promise<T> {
    const disposables: vscode.Disposable[] = [];
    try {
      return await new Promise<T>((resolve, reject) => {
        const input = vscode.window.createQuickPick<T>();
        input.title = p.title;
        input.step = p.step;
        input.totalSteps = p.totalSteps;
        input.placeholder = p.placeholder;
        input.ignoreFocusOut = p.ignoreFocusOut ?? true;
        input.matchOnDescription = true;
        input.items = p.items;
        if (p.activeItem) input.activeItems = [p.activeItem];
        input.buttons = this.canGoBack ? [vscode.QuickInputButtons.Back] : [];
        disposables.push(
          input.onDidTriggerButton((button) => {
            if (button === vscode.QuickInputButtons.Back) reject(InputFlowAction.back);
          }),
          input.onDidAccept(() => {
            const picked = input.selectedItems[0] ?? input.activeItems[0];
            if (picked) resolve(picked);
          }),
          input.onDidHide(() => reject(InputFlowAction.cancel)),
        );
        this.current?.dispose();
        this.current = input;
        input.show();
      });
    } finally {
      for (const d of disposables) d.dispose();
    }
  }
}
