/**
 * HTTP to the API server with limits, so a hostile or broken server cannot exhaust the extension host's memory:
 * a response body larger than its cap is refused (at once when Content-Length announces it, else as soon as the
 * bytes pass it), and a watch line longer than its cap ends the watch. Authentication and TLS come prepared:
 * the headers and the agent are what credentials.ts (or, for the rare kubeconfigs, clientNodeAuth.ts) made.
 */
import { request as httpRequest, type Agent, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import * as l10n from '@vscode/l10n';
import { ClusterError } from './errors';

/** Largest response body read from the API server: a page of 500 large Node objects is a few MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Largest watch event line: one object, however large it may legitimately grow (etcd's limit is 1.5 MiB). */
export const DEFAULT_MAX_WATCH_LINE_BYTES = 16 * 1024 * 1024;

function mebibytes(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The content type of a server-side apply (the body may be JSON, which is YAML). */
export const SERVER_SIDE_APPLY = 'application/apply-patch+yaml';

/** One request to the API server, authentication included. */
export interface ApiRequest {
  url: URL;
  method: HttpMethod;
  headers: OutgoingHttpHeaders;
  body?: string;
  /** Carries the TLS settings and client certificate; undefined only for plain http. */
  agent?: Agent;
  signal?: AbortSignal;
}

/** Sends the request and resolves with the response once its headers arrived; the body is unread. */
export function openResponse(request: ApiRequest): Promise<IncomingMessage> {
  const { url } = request;
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  // An explicit length: Node frames a DELETE body neither by length nor by chunks on its own.
  const headers = body ? { ...request.headers, 'Content-Length': String(body.length) } : request.headers;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(url, { method: request.method, headers, agent: request.agent, signal: request.signal }, resolve);
    req.once('error', reject);
    req.end(body);
  });
}

function tooLarge(what: string, maxBytes: number, announced?: number): ClusterError {
  const message =
    announced === undefined
      ? l10n.t("The API server's answer to {0} is larger than {1}; the extension stopped reading it.", what, mebibytes(maxBytes))
      : l10n.t("The API server's answer to {0} is {1}, more than the {2} allowed; the extension stopped reading it.", what, mebibytes(announced), mebibytes(maxBytes));
  return new ClusterError('server', message, { reason: 'ResponseTooLarge' });
}

/** Reads the whole body as text, refusing more than `maxBytes`. */
export function readBounded(res: IncomingMessage, maxBytes: number, what: string): Promise<string> {
  const announced = Number(res.headers['content-length'] ?? NaN);
  if (announced > maxBytes) {
    res.destroy();
    return Promise.reject(tooLarge(what, maxBytes, announced));
  }
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(tooLarge(what, maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
  });
}

/**
 * Splits a streamed body into lines and hands each to `onLine`; a line longer than `maxLineBytes` ends the stream
 * with a ClusterError instead of growing without bound. `onEnd` is called once, with the error if there was one.
 */
export function readLines(res: IncomingMessage, maxLineBytes: number, what: string, onLine: (line: string) => void, onEnd: (err: unknown) => void): void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let ended = false;
  const end = (err: unknown): void => {
    if (ended) return;
    ended = true;
    onEnd(err);
  };
  res.on('data', (chunk: Buffer) => {
    if (ended) return;
    for (let start = 0; ; ) {
      const newline = chunk.indexOf(10, start);
      const piece = newline < 0 ? chunk.subarray(start) : chunk.subarray(start, newline);
      pendingBytes += piece.length;
      if (pendingBytes > maxLineBytes) {
        res.destroy();
        const message = l10n.t('A watch event from {0} is longer than {1}; the watch was stopped.', what, mebibytes(maxLineBytes));
        end(new ClusterError('server', message, { reason: 'ResponseTooLarge' }));
        return;
      }
      pending.push(piece);
      if (newline < 0) return;
      const line = Buffer.concat(pending).toString('utf8');
      pending = [];
      pendingBytes = 0;
      start = newline + 1;
      if (line.trim() !== '') onLine(line);
    }
  });
  res.once('end', () => end(undefined));
  res.once('close', () => end(undefined));
  res.once('error', (err) => end(err));
}
