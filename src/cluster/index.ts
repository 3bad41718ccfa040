/** Kubernetes access for the extension: kubeconfig and contexts, a plain-JSON client, errors, and waits. */
export * from './types';
export * from './errors';
export * from './kubeconfig';
export * from './client';
export * from './rollout';
export * from './waits';
export * from './cache';
