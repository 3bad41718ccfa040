import { redactSecrets, secretMask } from '../cluster/redaction';

export { secretMask };

/**
 * Masks secrets in text. Known values (passwords the user typed, tokens read from SecretStorage) are registered
 * as they appear, so a secret is masked even inside an unexpected message such as a tool's error output.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  /** Registers a secret value; values shorter than 3 characters are ignored because masking them would garble text. */
  register(secret: string | undefined): void {
    if (secret && secret.length >= 3) this.secrets.add(secret);
  }

  redact(text: string): string {
    let result = text;
    // Longest first, so a secret that contains another is masked whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      result = result.split(secret).join(secretMask);
    }
    return redactSecrets(result);
  }
}
