import { redactSecrets, secretMask } from '../cluster/redaction';

export { secretMask };

/**
 * Masks secrets in text. Known values (passwords the user typed, tokens read from SecretStorage) are registered
 * as they appear, so a secret is masked even inside an unexpected message such as a tool's error output.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  /**
   * Registers a secret value in the forms it takes inside serialised text: raw, JSON-escaped once (inside the
   * values JSON) and twice (that JSON inside a JSON-serialised object), so `"` or `\\` in a password cannot slip
   * it past the mask. Values shorter than 3 characters are ignored because masking them would garble text.
   */
  register(secret: string | undefined): void {
    if (!secret || secret.length < 3) return;
    let form = secret;
    for (let depth = 0; depth < 3; depth++) {
      this.secrets.add(form);
      form = JSON.stringify(form).slice(1, -1);
    }
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
