/** Bearer-token authentication and an RBAC-like allow-list per token. */
import type { IncomingMessage } from 'node:http';
import type { TokenGrant } from '../contract';
import { ApiError } from './http';

export interface Attributes {
  verb: string;
  group: string;
  /** Plural, with "/subresource" when there is one (services/proxy, deployments/scale). */
  resource: string;
  namespace?: string;
  name?: string;
}

export function authenticate(req: IncomingMessage, tokens: Map<string, TokenGrant>): TokenGrant {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const grant = match?.[1] ? tokens.get(match[1]) : undefined;
  if (!grant) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
  return grant;
}

function resourceMatches(ruleResource: string, resource: string): boolean {
  if (ruleResource === '*' || ruleResource === resource) return true;
  const [base, sub] = resource.split('/');
  if (sub !== undefined && ruleResource === `*/${sub}`) return true;
  return sub !== undefined && ruleResource === `${base}/*`;
}

/**
 * What a real cluster grants every authenticated user (the system:basic-user and system:discovery roles): asking
 * what you may do. Without it, a restricted token could not even learn which rights it lacks.
 */
function grantedToEveryUser(attrs: Attributes): boolean {
  return attrs.verb === 'create' && attrs.group === 'authorization.k8s.io' && ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'].includes(attrs.resource);
}

export function isAllowed(grant: TokenGrant, attrs: Attributes): boolean {
  if (grant.admin || grantedToEveryUser(attrs)) return true;
  return (grant.rules ?? []).some(
    (rule) =>
      (rule.verbs.includes('*') || rule.verbs.includes(attrs.verb)) &&
      (rule.apiGroups.includes('*') || rule.apiGroups.includes(attrs.group)) &&
      rule.resources.some((r) => resourceMatches(r, attrs.resource)) &&
      (rule.namespaces === undefined || (attrs.namespace !== undefined && rule.namespaces.includes(attrs.namespace))),
  );
}

/** The kubectl-style message: pods "x" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "ns". */
export function forbidden(grant: TokenGrant, attrs: Attributes): ApiError {
  const [plural = '', subresource] = attrs.resource.split('/');
  const qualified = attrs.group ? `${plural}.${attrs.group}` : plural;
  const subject = attrs.name ? `${qualified} "${attrs.name}"` : qualified;
  const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
  const what = subresource ? `resource "${plural}/${subresource}"` : `resource "${plural}"`;
  const message = `${subject} is forbidden: User "${grant.user}" cannot ${attrs.verb} ${what} in API group "${attrs.group}" ${scope}`;
  return new ApiError(403, message, 'Forbidden', { name: attrs.name, group: attrs.group, kind: plural });
}

export function authorize(grant: TokenGrant, attrs: Attributes): void {
  if (!isAllowed(grant, attrs)) throw forbidden(grant, attrs);
}
