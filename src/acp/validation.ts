/**
 * Input validation for the install commands. Every validator returns the message to show in the input box while the
 * user types, or undefined when the value is fine, so `InputBox.validationMessage` can take the result directly.
 */
import { randomInt } from 'node:crypto';
import * as l10n from '@vscode/l10n';
import { publicObjectNames } from './redact';

export type ValidationResult = string | undefined;

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ipv4Shape = /^\d{1,3}(\.\d{1,3}){3}$/;
// Host names are case-insensitive, so upper case is accepted here, unlike Kubernetes object names.
const hostnameLabel = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$/;
/** Control characters (newlines, tabs, NUL) never belong in a name and usually come from a bad paste. */
function hasControlCharacter(text: string): boolean {
  return [...text].some((char) => {
    const code = char.codePointAt(0) ?? 0;
    return code < 0x20 || code === 0x7f;
  });
}

function isIpv4(text: string): boolean {
  return ipv4Shape.test(text) && text.split('.').every((octet) => Number(octet) <= 255 && !/^0\d/.test(octet));
}

function isHostname(text: string): boolean {
  if (text.length > 253) return false;
  // A dotted string of digits is meant as an IPv4 address; accepting it as a host name would hide a typo like 10.0.0.256.
  if (/^[\d.]+$/.test(text)) return false;
  return text.split('.').every((label) => label.length <= 63 && hostnameLabel.test(label));
}

// ---------------------------------------------------------------------------------------------------------------
// Platform URL and credentials

// A function, not a constant: the message is localized when it is shown, after activation configured the bundle.
function ipv6Refused(): string {
  return l10n.t('IPv6 addresses are not supported: violet cannot use them. Enter a host name or an IPv4 address');
}

/**
 * The ACP platform address, as violet's `--platform-address` takes it: https, a host, no path.
 * IPv6 literals are refused because violet cannot use them (ACP-FACTS.md).
 */
export function validatePlatformUrl(value: string): ValidationResult {
  const text = value.trim();
  if (!text) return l10n.t('Enter the platform URL, like https://acp.example.com');
  if (/^http:\/\//i.test(text)) return l10n.t('The platform URL must use https:// — violet and the platform API require TLS');
  if (!/^https:\/\//i.test(text)) {
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(text)
      ? l10n.t('The platform URL must use https://')
      : l10n.t('Start the platform URL with https://, like https://{0}', text.replace(/\/+$/, ''));
  }
  const authority = text.slice('https://'.length).split(/[/?#]/)[0] ?? '';
  if (authority.startsWith('[') || (authority.match(/:/g) ?? []).length > 1) {
    return ipv6Refused();
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return l10n.t('This is not a valid URL; enter it like https://acp.example.com');
  }
  if (url.hostname.startsWith('[')) return ipv6Refused();
  if (!url.hostname || /^https:\/\/[/:]/i.test(text)) return l10n.t('The platform URL must name a host, like https://acp.example.com');
  if (url.username || url.password) return l10n.t('Leave credentials out of the URL; they are asked for separately');
  if (url.pathname !== '/' || url.search || url.hash) {
    return l10n.t('Enter only the platform address, without a path: {0}', url.origin);
  }
  return undefined;
}

/** The platform URL as violet and the Grafana links use it: trimmed, without a trailing slash. */
export function normalisePlatformUrl(value: string): string {
  const text = value.trim();
  try {
    // origin lowercases the host and drops the trailing slash and the default port.
    return new URL(text).origin;
  } catch {
    return text.replace(/\/+$/, '');
  }
}

export function validateUsername(value: string): ValidationResult {
  if (!value.trim()) return l10n.t('Enter the platform username, like admin@cpaas.io');
  if (/\s/.test(value)) return l10n.t('The username must not contain spaces');
  if (hasControlCharacter(value)) return l10n.t('The username contains a control character');
  return undefined;
}

export function validatePassword(value: string): ValidationResult {
  if (!value) return l10n.t('Enter the password');
  return undefined;
}

/** A platform API token (LDAP and OIDC users cannot log violet in with a password). */
export function validateToken(value: string): ValidationResult {
  if (!value.trim()) return l10n.t('Enter the platform token');
  if (/\s/.test(value)) return l10n.t('The token must not contain spaces or line breaks; paste it again');
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// NFS

// The NFS values go into the StorageClass as typed, so surrounding spaces are refused rather than trimmed.
export function validateNfsServer(value: string): ValidationResult {
  const text = value;
  if (!text.trim()) return l10n.t('Enter the NFS server, a host name or an IPv4 address like 10.100.0.4');
  if (/\s/.test(text)) return text === text.trim() ? l10n.t('The NFS server must not contain spaces') : l10n.t('The NFS server must not start or end with spaces');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return l10n.t('Enter only the host, without a scheme such as nfs://');
  if (text.includes('/') || text.includes(':')) {
    return text.includes(':') && !text.includes('/')
      ? l10n.t('Enter a host name or an IPv4 address (IPv6 and ports are not supported)')
      : l10n.t('Enter only the host; the NFS path is asked for in the next step');
  }
  if (/^[\d.]+$/.test(text)) return isIpv4(text) ? undefined : l10n.t('{0} is not a valid IPv4 address', text);
  if (!isHostname(text)) return l10n.t('Enter a valid host name (letters, digits, "-" and ".") or an IPv4 address');
  return undefined;
}

export function validateNfsPath(value: string): ValidationResult {
  const text = value;
  if (!text.trim()) return l10n.t('Enter the NFS share path, like /nfs');
  if (text !== text.trim()) return l10n.t('The NFS path must not start or end with spaces');
  if (/^[^/]*:\//.test(text)) return l10n.t('Enter only the path, without the server, like /nfs');
  if (!text.startsWith('/')) return l10n.t('The NFS path must be an absolute path, like /nfs');
  if (/\s/.test(text) || hasControlCharacter(text)) return l10n.t('The NFS path must not contain spaces');
  if (text.split('/').some((segment) => segment === '..' || segment === '.')) return l10n.t('The NFS path must not contain "." or ".." segments');
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes names

/** The cluster name ends up in the agent's config and in the Grafana path, which ACP builds from DNS-1123 labels. */
export function validateClusterName(value: string): ValidationResult {
  if (!value) return l10n.t('Enter the cluster name, as ACP shows it');
  if (value.length > 63) return l10n.t('The cluster name must be at most 63 characters');
  if (/[A-Z]/.test(value)) return l10n.t('Cluster names use lowercase letters only: try {0}', value.toLowerCase());
  if (!dns1123Label.test(value)) {
    return l10n.t("The cluster name may hold only lowercase letters, digits and '-', and must start and end with a letter or digit");
  }
  return undefined;
}

export function validateStorageClassName(value: string): ValidationResult {
  if (!value) return l10n.t('Enter the storage class name, like nfs');
  if (value.length > 253) return l10n.t('The storage class name must be at most 253 characters');
  if (/[A-Z]/.test(value)) return l10n.t('Storage class names use lowercase letters only: try {0}', value.toLowerCase());
  if (!value.split('.').every((label) => label.length <= 63 && dns1123Label.test(label))) {
    return l10n.t("The storage class name may hold only lowercase letters, digits, '-' and '.', and must start and end with a letter or digit");
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Grafana

/** The chart's default Grafana admin password (ACP-FACTS.md). */
export const defaultGrafanaAdminPassword = 'deepflow';

export function validateGrafanaUser(value: string): ValidationResult {
  if (!value.trim()) return l10n.t('Enter the Grafana admin user, like admin');
  if (/\s/.test(value)) return l10n.t('The Grafana admin user must not contain spaces');
  if (hasControlCharacter(value)) return l10n.t('The Grafana admin user contains a control character');
  return undefined;
}

const passwordAlphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/**
 * A strong Grafana admin password: 24 characters drawn with crypto from letters and digits (about 140 bits), with
 * look-alikes (0/O, 1/l/I) left out so it can be read aloud. It needs no quoting in a shell or in JSON.
 */
export function generateGrafanaPassword(length = 24): string {
  return Array.from({ length }, () => passwordAlphabet[randomInt(passwordAlphabet.length)]).join('');
}

/**
 * The chart's default is refused (anyone who knows DeepFlow can log in with it), and so is a password that is part
 * of a name the install creates: the log masks secrets, so masking such a name would give the password away.
 */
export function validateGrafanaPassword(value: string): ValidationResult {
  if (value === '') return l10n.t('Enter the Grafana admin password, or go back and forward again for a generated one');
  if (value.toLowerCase() === defaultGrafanaAdminPassword) {
    return l10n.t(
      '"{0}" is the chart\'s default Grafana password: anyone who knows DeepFlow can log in with it. Keep the generated password or choose another.',
      defaultGrafanaAdminPassword,
    );
  }
  if (value.length < 8) return l10n.t('Use at least 8 characters for the Grafana admin password');
  const lower = value.toLowerCase();
  const name = publicObjectNames.find((n) => n.toLowerCase().includes(lower));
  if (name) return l10n.t('The Grafana admin password must not be part of the name "{0}", which the log shows; choose another.', name);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Quantities

const binarySuffixes: Readonly<Record<string, bigint>> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const decimalSuffixes: Readonly<Record<string, bigint>> = {
  '': 1n,
  k: 10n ** 3n,
  M: 10n ** 6n,
  G: 10n ** 9n,
  T: 10n ** 12n,
  P: 10n ** 15n,
  E: 10n ** 18n,
};
// Kubernetes' quantity grammar, minus the sign and the milli/micro/nano suffixes, which make no sense for storage.
const quantityPattern = /^(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|[eE]\d+)?$/;

/** Why `value` is not a storage quantity, or undefined when it is one. */
function quantityProblem(value: string): string | undefined {
  if (!value.trim()) return l10n.t('Enter a size, like 50Gi');
  const mistaken = /^(\d+(?:\.\d+)?)\s*([kKmMgGtTpPeE])(i?)[bB]?$/.exec(value.trim());
  if (!quantityPattern.test(value)) {
    if (mistaken?.[1] !== undefined && mistaken[2] !== undefined) {
      const suggestion = `${mistaken[1]}${mistaken[2] === 'k' ? 'K' : mistaken[2].toUpperCase()}i`;
      return l10n.t('{0} is not a Kubernetes quantity: use {1} (binary suffixes Ki, Mi, Gi, Ti; or k, M, G, T)', value, suggestion);
    }
    if (value.startsWith('-')) return l10n.t('The size must be positive');
    return l10n.t('{0} is not a Kubernetes quantity: use a number with a suffix, like 50Gi', value);
  }
  if (quantityBytes(value) === 0n) return l10n.t('The size must be more than zero');
  return undefined;
}

function quantityBytes(value: string): bigint {
  const match = quantityPattern.exec(value);
  if (!match?.[1]) throw new Error(`${value} is not a Kubernetes quantity`);
  const [whole = '', fraction = ''] = match[1].split('.');
  const suffix = match[2] ?? '';
  let multiplier: bigint;
  if (/^[eE]\d/.test(suffix)) multiplier = 10n ** BigInt(suffix.slice(1));
  else multiplier = binarySuffixes[suffix] ?? decimalSuffixes[suffix] ?? 1n;
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt(`${whole}${fraction}` || '0') * multiplier;
  // Kubernetes rounds a fractional byte count up.
  return (scaled + scale - 1n) / scale;
}

export function validateQuantity(value: string): ValidationResult {
  return quantityProblem(value);
}

/** Bytes of a Kubernetes storage quantity such as 50Gi, 1.5Ti or 100G. Throws on anything `validateQuantity` refuses. */
export function parseQuantity(quantity: string): bigint {
  const problem = quantityProblem(quantity);
  if (problem) throw new Error(problem);
  return quantityBytes(quantity);
}

/** Bytes as the shortest exact Kubernetes quantity: binary suffixes first (350Gi), then decimal (1500M), then bytes. */
export function formatQuantity(bytes: bigint): string {
  if (bytes === 0n) return '0';
  for (const [suffix, size] of Object.entries(binarySuffixes).reverse()) {
    if (bytes % size === 0n) return `${bytes / size}${suffix}`;
  }
  for (const [suffix, size] of Object.entries(decimalSuffixes).reverse()) {
    if (size > 1n && bytes % size === 0n) return `${bytes / size}${suffix}`;
  }
  return bytes.toString();
}
