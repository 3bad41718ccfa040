/**
 * The one place that uses @kubernetes/client-node, for the kubeconfigs credentials.ts does not cover: users with
 * an `auth-provider` (oidc, gcp, azure: token refresh through openid-client and friends) and clusters reached
 * through a `proxy-url` (http and socks proxy agents). credentials.ts imports this module dynamically and only for
 * such a context, so the first paint never loads client-node. One instance per client keeps client-node's
 * authenticator caches (a refreshed OIDC token) between requests.
 */
import { readFileSync } from 'node:fs';
import type { Agent, OutgoingHttpHeaders } from 'node:http';
import { HttpMethod, KubeConfig, RequestContext, type Cluster, type User } from '@kubernetes/client-node';
import type { HttpMethod as OurHttpMethod } from './boundedHttp';
import type { KubeCluster, KubeContext, KubeUser } from './kubeconfig';

function clientNodeCluster(cluster: KubeCluster): Cluster {
  return {
    name: cluster.name,
    server: cluster.server,
    caData: cluster.caData,
    caFile: cluster.caFile,
    skipTLSVerify: cluster.skipTLSVerify,
    tlsServerName: cluster.tlsServerName,
    proxyUrl: cluster.proxyUrl,
  };
}

function clientNodeUser(user: KubeUser): User {
  // client-node reads a token-file once, when it loads the kubeconfig; this is that moment.
  const token = user.token ?? (user.tokenFile ? readFileSync(user.tokenFile, 'utf8').trim() : undefined);
  return {
    name: user.name,
    token,
    username: user.username,
    password: user.password,
    certData: user.certData,
    certFile: user.certFile,
    keyData: user.keyData,
    keyFile: user.keyFile,
    // client-node's ExecAuth reads the kubeconfig's own spelling of these.
    exec: user.exec,
    authProvider: user.authProvider,
    impersonateUser: user.impersonateUser,
  };
}

export class ClientNodeAuth {
  private readonly kubeConfig = new KubeConfig();

  constructor(context: KubeContext, cluster: KubeCluster, user: KubeUser | undefined) {
    this.kubeConfig.loadFromOptions({
      clusters: [clientNodeCluster(cluster)],
      users: user ? [clientNodeUser(user)] : [],
      contexts: [{ name: context.name, cluster: cluster.name, user: user?.name ?? '', namespace: context.namespace }],
      currentContext: context.name,
    });
  }

  /** client-node's headers (Authorization, Impersonate-User) and agent (TLS, proxy) for one request. */
  async prepare(url: URL, method: OurHttpMethod): Promise<{ headers: OutgoingHttpHeaders; agent: Agent | undefined }> {
    const context = new RequestContext(url.toString(), HttpMethod[method]);
    await this.kubeConfig.applySecurityAuthentication(context);
    return { headers: { ...context.getHeaders() }, agent: context.getAgent() };
  }
}
