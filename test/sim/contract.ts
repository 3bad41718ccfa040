/**
 * The contract between the simulator's parts. The API server (apiServer.ts and friends) implements
 * `ObjectStore` and `ApiServer`; the ACP controllers and the platform (controllers/, platform/) use them;
 * index.ts composes everything into a `Simulator`. Keep this file small and stable: tests and `npm start`
 * depend on `Simulator`.
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  managedFields?: unknown[];
  generateName?: string;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One served resource type: what discovery advertises and how objects are stored. */
export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  /** Has a /status subresource: writes to the main resource ignore .status and vice versa. */
  hasStatus: boolean;
  verbs?: string[];
}

/**
 * The simulator's object database. Controllers write through it as "the server itself": no admission, no auth.
 * Every write bumps the one global resourceVersion and notifies watchers (HTTP watches and onChange listeners).
 */
export interface ObjectStore {
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[];
  /**
   * Create or replace the whole object, status included. Fills uid, creationTimestamp and resourceVersion;
   * raises generation when anything outside metadata and status changed.
   */
  put(obj: KubeObject): KubeObject;
  /** Replace only .status (like a controller writing the /status subresource). Returns undefined if absent. */
  putStatus(apiVersion: string, kind: string, namespace: string | undefined, name: string, status: unknown): KubeObject | undefined;
  /** Delete now (finalizers are the caller's business). Returns whether it existed. */
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean;
  /** Called synchronously after every committed change, in commit order. Returns an unsubscribe function. */
  onChange(listener: (type: ChangeType, obj: KubeObject) => void): () => void;
  /** The current global resourceVersion. */
  readonly resourceVersion: number;
}

/** Fault switches. All off by default; the admin endpoint and tests flip them at run time. */
export interface Faults {
  /** Every API request waits this long before it is handled. */
  slowApiMs: number;
  /** The API server refuses connections (its socket is closed) while true. */
  apiDown: boolean;
  /** Every API request (but watches already open) answers 500 while true. */
  errors500: boolean;
  /** Open watches are cut, and new ones close after this many ms (0 = never). */
  dropWatchesAfterMs: number;
  /** Every watch with a resourceVersion answers 410 Gone (expired) while true. */
  watchGone: boolean;
  /** This deployment's/statefulset's pods crash-loop (name of the workload, e.g. "deepflow-server"); '' = none. */
  crashLoop: string;
}

export interface ApiServerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  /** PEM certificate and key for the server, signed by the simulator's CA. */
  tls: { cert: string; key: string };
  /** token -> allow-list. Missing token => 401. */
  tokens: Map<string, TokenGrant>;
  faults: Faults;
}

/** What a bearer token may do. `rules` like RBAC PolicyRules; `admin: true` allows all. */
export interface TokenGrant {
  user: string;
  admin?: boolean;
  rules?: { verbs: string[]; apiGroups: string[]; resources: string[]; namespaces?: string[] }[];
}

/** Handles a request that the API server forwards through the service proxy (/api/v1/namespaces/NS/services/NAME:PORT/proxy/...). */
export type ServiceProxyHandler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, subPath: string) => void;

export interface ApiServer {
  readonly url: string; // https://127.0.0.1:PORT
  readonly store: ObjectStore;
  readonly resourceTypes: ResourceType[];
  /** Count of HTTP requests served since start (or since resetRequestCount), by "VERB path-without-query". */
  requestCount(): number;
  resetRequestCount(): void;
  /** Register a handler for the service proxy of `namespace/service:port`. */
  addServiceProxy(namespace: string, serviceAndPort: string, handler: ServiceProxyHandler): void;
  /** Stop listening (apiDown fault uses the same path) and end open watches. */
  close(): Promise<void>;
  /** Start listening again on the same port after close() (for the "API down, then back" tests). */
  reopen(): Promise<void>;
}

export interface SimulatorOptions {
  /** Simulated node count, 1..5000. Default 3. */
  nodes?: number;
  /** Multiplies every controller delay; 0.1 makes the install ten times faster for tests. Default 1. */
  timeScale?: number;
  apiPort?: number;
  platformPort?: number;
  clusterName?: string; // default "cluster1"
}

export interface VioletPush {
  file: string; // base name of the pushed .tgz
  sizeBytes: number;
  user: string; // username, or "token"
  targetChartRepo: string;
  clusters: string[];
  at: string; // ISO time
}

export interface SimulatorInfo {
  apiUrl: string;
  platformUrl: string;
  platformUsername: string;
  platformPassword: string;
  clusterName: string;
  adminUrl: string;
  /** SHA-256 fingerprint (AA:BB:...) of the platform's self-signed certificate, for trust tests. */
  platformFingerprint: string;
}

export interface Simulator {
  readonly info: SimulatorInfo;
  readonly api: ApiServer;
  readonly faults: Faults;
  /** PEM of the CA that signed the API server's certificate (in the kubeconfig). */
  readonly caPem: string;
  /** The admin bearer token (everything allowed). */
  readonly adminToken: string;
  /** Add a token with the given grant and return it (for 403 tests). */
  addToken(grant: TokenGrant): string;
  /** Write a kubeconfig (https, CA data, token; context named after the cluster). */
  writeKubeconfig(file: string, token?: string): void;
  /** The pushes the violet stand-in recorded. */
  pushes(): VioletPush[];
  setNodeCount(n: number): void;
  stop(): Promise<void>;
}
