import * as vscode from 'vscode';
import { Redactor } from './acp/redact';

/** The logging interface domain code receives; it never sees the output channel. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

/** One "DeepFlow" LogOutputChannel; every line passes through the redactor first. */
export class DeepflowLog implements Logger, vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;

  constructor(readonly redactor: Redactor) {
    this.channel = vscode.window.createOutputChannel('DeepFlow', { log: true });
  }

  info(message: string): void {
    this.channel.info(this.redactor.redact(message));
  }
  warn(message: string): void {
    this.channel.warn(this.redactor.redact(message));
  }
  error(message: string): void {
    this.channel.error(this.redactor.redact(message));
  }
  debug(message: string): void {
    this.channel.debug(this.redactor.redact(message));
  }
  /** Masks secrets in text meant for the user (error messages), exactly as log lines are masked. */
  redact(text: string): string {
    return this.redactor.redact(text);
  }
  show(): void {
    this.channel.show(true);
  }
  dispose(): void {
    this.channel.dispose();
  }
}
