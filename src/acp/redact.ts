import { redactSecrets, secretMask } from '../cluster/redaction';
import { deepflowComponents, deepflowNamespace, deepflowPrerequisites } from './components';

export { secretMask };

/**
 * Names that the log must be able to show: the namespace and the objects the install creates. A secret that occurs
 * inside one of them is not registered, because masking it would turn `cpaas-system/deepflow` into
 * `cpaas-system/••••••` and so tell every reader the secret.
 */
export const publicObjectNames: readonly string[] = [deepflowNamespace, ...deepflowComponents.map((c) => c.name), ...deepflowPrerequisites.map((p) => p.name)];

/** Go's encoding/json escapes these for HTML safety; the API server and Go tools print a secret that way. */
function goJsonEscape(jsonEscaped: string): string {
  return jsonEscaped.replace(/&/g, '\\u0026').replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Percent-encoding of everything but RFC 3986's unreserved characters (Go's url.QueryEscape, with `%20` or `+`). */
function strictPercentEncode(text: string, space: '%20' | '+'): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, space);
}

/** The JSON-escaped forms, one and two levels deep (the values JSON inside a JSON-serialised object), JS and Go style. */
function jsonForms(secret: string): string[] {
  const forms: string[] = [];
  let form = secret;
  for (let depth = 0; depth < 2; depth++) {
    form = JSON.stringify(form).slice(1, -1);
    forms.push(form, goJsonEscape(form));
  }
  return forms;
}

/** The URL and form encodings of a secret: encodeURIComponent, application/x-www-form-urlencoded, Go's escaping. */
function urlForms(secret: string): string[] {
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  return [encodeURIComponent(secret), form, strictPercentEncode(secret, '%20'), strictPercentEncode(secret, '+')];
}

/**
 * Masks secrets in text. Known values (passwords the user typed, tokens read from SecretStorage) are registered
 * as they appear, so a secret is masked even inside an unexpected message such as a tool's error output.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  constructor(private readonly publicNames: readonly string[] = publicObjectNames) {}

  /**
   * Registers a secret in every form it takes on the way: raw, JSON-escaped the JavaScript and the Go way (once and
   * twice), URL and form encoded, and base64. Values shorter than 3 characters are ignored because masking them
   * would garble text, and so is a value that occurs in an object name the log shows (see publicObjectNames).
   * Returns whether the secret is now masked.
   */
  register(secret: string | undefined): boolean {
    if (!this.maskable(secret)) return false;
    for (const form of [secret, ...jsonForms(secret), ...urlForms(secret), Buffer.from(secret).toString('base64')]) this.secrets.add(form);
    return true;
  }

  /** Registers basic-auth credentials: the password in all its forms and `base64(user:password)`, as HTTP sends it. */
  registerBasicAuth(username: string, password: string): boolean {
    if (!this.register(password)) return false;
    this.secrets.add(Buffer.from(`${username}:${password}`).toString('base64'));
    return true;
  }

  private maskable(secret: string | undefined): secret is string {
    if (!secret || secret.length < 3) return false;
    const lower = secret.toLowerCase();
    return !this.publicNames.some((name) => name.toLowerCase().includes(lower));
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
