/**
 * The one set of rules for masking secrets in free text, shared by cluster errors and the extension's log.
 * It lives in the lowest layer (cluster) so every other layer can use it.
 */

/** What a secret is replaced with. */
export const secretMask = '••••••';

/** Shapes that carry a secret even when its value was never registered (e.g. a token read from a kubeconfig). */
const secretShapes: readonly RegExp[] = [
  // HTTP credentials: "Bearer <token>", "Basic <base64>".
  /(\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]+/gi,
  // violet's command line: the password and token travel as arguments.
  /(--platform-(?:password|token)[= ])(?:"[^"]*"|'[^']*'|\S+)/g,
  // Assignments in JSON, YAML or logs: password: x, "adminPassword":"x", token=x, client-key-data: x.
  /(\b(?:[a-z]*password|passwd|token|secret|client-key-data)["']?\s*[:=]\s*["']?)[^\s"',&}]+/gi,
  // Credentials inside a URL: https://user:pass@host.
  /(\/\/)[^/@\s:]+:[^/@\s]+@/g,
];

export function redactSecrets(text: string): string {
  let result = text;
  for (const shape of secretShapes) result = result.replace(shape, `$1${secretMask}`);
  return result;
}
