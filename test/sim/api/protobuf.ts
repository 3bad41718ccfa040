/**
 * Just enough of Kubernetes' protobuf encoding to read a SelfSubjectAccessReview: kubectl 1.32+ sends
 * `auth can-i` as protobuf and never falls back to JSON. It accepts a JSON answer.
 */

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

type Fields = Map<number, Buffer[]>;

function readVarint(buf: Buffer, offset: number): [number, number] {
  let value = 0;
  let shift = 0;
  let pos = offset;
  for (;;) {
    const byte = buf[pos];
    if (byte === undefined) throw new Error('truncated protobuf varint');
    pos += 1;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, pos];
    shift += 7;
  }
}

/** The length-delimited fields of one message, by field number (other wire types are skipped). */
function fields(buf: Buffer): Fields {
  const result: Fields = new Map();
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    const field = Math.floor(key / 8);
    const wireType = key & 7;
    pos = afterKey;
    if (wireType === 0) [, pos] = readVarint(buf, pos);
    else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else if (wireType === 2) {
      const [length, afterLength] = readVarint(buf, pos);
      const value = buf.subarray(afterLength, afterLength + length);
      pos = afterLength + length;
      result.set(field, [...(result.get(field) ?? []), value]);
    } else throw new Error(`unsupported protobuf wire type ${wireType}`);
  }
  return result;
}

function text(f: Fields, field: number): string | undefined {
  return f.get(field)?.[0]?.toString('utf8');
}

export function isKubernetesProtobuf(body: Buffer): boolean {
  return body.subarray(0, 4).equals(MAGIC);
}

export interface DecodedAccessReview {
  apiVersion: string;
  kind: string;
  spec: { resourceAttributes?: Record<string, string>; nonResourceAttributes?: Record<string, string> };
}

/** Decodes a protobuf SelfSubjectAccessReview; throws on anything else. */
export function decodeSelfSubjectAccessReview(body: Buffer): DecodedAccessReview {
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(unknown.get(1)?.[0] ?? Buffer.alloc(0));
  const kind = text(typeMeta, 2) ?? '';
  if (kind !== 'SelfSubjectAccessReview') throw new Error(`protobuf bodies are only understood for SelfSubjectAccessReview, not ${kind || 'this kind'}`);
  const review = fields(unknown.get(2)?.[0] ?? Buffer.alloc(0));
  const spec = fields(review.get(2)?.[0] ?? Buffer.alloc(0));
  const result: DecodedAccessReview = { apiVersion: text(typeMeta, 1) ?? 'authorization.k8s.io/v1', kind, spec: {} };
  const resource = spec.get(1)?.[0];
  if (resource) {
    const f = fields(resource);
    const names = ['', 'namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'];
    const attributes: Record<string, string> = {};
    names.forEach((name, index) => {
      const value = name ? text(f, index) : undefined;
      if (value !== undefined) attributes[name] = value;
    });
    result.spec.resourceAttributes = attributes;
  }
  const nonResource = spec.get(2)?.[0];
  if (nonResource) {
    const f = fields(nonResource);
    result.spec.nonResourceAttributes = { path: text(f, 1) ?? '', verb: text(f, 2) ?? '' };
  }
  return result;
}
