import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  buildDeepflowValues,
  chartValuesAnnotation,
  defaultDeepflowSizes,
  diffValues,
  readValuesAnnotation,
  type DeepflowInput,
} from '../../src/acp/deepflowValues';
import type { KubeObject } from '../../src/acp/kubeObject';
import {
  buildDeepflowApplication,
  buildGrafanaIngress,
  buildNfsPluginInstance,
  buildNfsStorageClass,
  grafanaIngressPath,
  requestedStorage,
} from '../../src/acp/manifests';
import { secretMask } from '../../src/acp/redact';
import { describeValueChanges } from '../../src/install/steps';

const root = join(__dirname, '..', '..');
const guide = readFileSync(join(root, 'test', 'fixtures', 'deepflow-on-acp.md'), 'utf8');
const chartDir = join(root, 'test', 'sim', 'data', 'deepflow', 'chart');

// ---------------------------------------------------------------------------------------------------------------
// The guide's manifests, read from its shell blocks so the comparison is with the guide itself, not a retyped copy.

interface GuideStep {
  /** Shell variables the block assigns, e.g. VERSION="v3.19.0-…". */
  variables: Map<string, string>;
  /** The heredocs piped into `kubectl apply`, in order, with their ${VARS} still in place. */
  manifests: string[];
}

function guideStep(heading: string): GuideStep {
  const start = guide.indexOf(`### ${heading}`);
  assert.ok(start >= 0, `the guide has a step "${heading}"`);
  const end = guide.indexOf('\n### ', start + 1);
  const section = guide.slice(start, end < 0 ? undefined : end);
  const variables = new Map<string, string>();
  for (const match of section.matchAll(/^([A-Z_]+)="([^"]*)"/gm)) variables.set(match[1] ?? '', match[2] ?? '');
  const manifests = [...section.matchAll(/cat <<EOF \| kubectl apply -f -\n([\s\S]*?)\nEOF/g)].map((m) => m[1] ?? '');
  return { variables, manifests };
}

/** Fills ${VAR} as the shell would; an unset variable is an error here, unlike in the shell, which is how the guide's bug hid. */
function expand(text: string, variables: ReadonlyMap<string, string>): string {
  return text.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
    const value = variables.get(name);
    if (value === undefined) throw new Error(`the guide uses \${${name}} without setting it`);
    return value;
  });
}

function guideManifest(heading: string, index: number, overrides: Record<string, string> = {}): KubeObject {
  const step = guideStep(heading);
  const text = step.manifests[index];
  assert.ok(text, `step "${heading}" has manifest #${index}`);
  const variables = new Map([...step.variables, ...Object.entries(overrides)]);
  return parse(expand(text, variables)) as KubeObject;
}

const step5 = 'Step 5: Installing DeepFlow';
const guideVariables = guideStep(step5).variables;
function guideVariable(name: string): string {
  const value = guideVariables.get(name);
  assert.ok(value !== undefined, `the guide sets ${name}`);
  return value;
}

/** The guide's own example answers, except the misspelt cluster name (ACP-FACTS.md), which nothing should copy. */
const guideInput: DeepflowInput = {
  chartVersion: guideVariable('VERSION'),
  clusterName: 'cluster1',
  grafanaAdminUser: guideVariable('USERNAME'),
  grafanaAdminPassword: guideVariable('PASSWORD'),
  storageClass: guideVariable('SC_NAME'),
  mysqlSize: guideVariable('MYSQL_PVC_SIZE'),
  clickhousePathSize: guideVariable('CK_PATH_PVC_SIZE'),
  clickhouseStoragePathSize: guideVariable('CK_STORAGE_PATH_PVC_SIZE'),
};
/** The fix for the guide's bug: the values read ${MYSQL_STORAGE_SIZE}, but the script sets MYSQL_PVC_SIZE. */
const guideStep5Overrides = { CLUSTER_NAME: guideInput.clusterName, MYSQL_STORAGE_SIZE: guideInput.mysqlSize };

function annotations(obj: KubeObject): Record<string, string> {
  const found = obj.metadata.annotations;
  assert.ok(found, `${obj.kind} has annotations`);
  return found;
}

function withoutValuesAnnotation(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  delete copy.metadata.annotations?.[chartValuesAnnotation];
  return copy;
}

describe('manifests match the guide field for field', () => {
  it('step 3: the NFS ClusterPluginInstance', () => {
    assert.deepEqual(buildNfsPluginInstance(), guideManifest('Step 3: Installing NFS CSI Plugin', 0));
  });

  it('step 4: the NFS StorageClass, with the server and share filled in', () => {
    const step = guideStep('Step 4: Creating NFS Storage Class');
    const expected = guideManifest('Step 4: Creating NFS Storage Class', 0);
    const built = buildNfsStorageClass({ name: 'nfs', server: step.variables.get('NFS_SERVER') ?? '', share: step.variables.get('NFS_PATH') ?? '' });
    assert.deepEqual(built, expected);
    assert.deepEqual(built.parameters, { server: '10.100.0.4', share: '/nfs' });
  });

  it('step 4: the StorageClass takes the chosen name, server and share', () => {
    const built = buildNfsStorageClass({ name: 'nfs-fast', server: 'nfs.example.com', share: '/exports/deepflow' });
    assert.equal(built.metadata.name, 'nfs-fast');
    assert.deepEqual(built.parameters, { server: 'nfs.example.com', share: '/exports/deepflow' });
    assert.deepEqual(built.mountOptions, ['hard', 'nfsvers=4.1']);
  });

  it('step 5: the guide itself still has the MySQL size bug, so the comparison below must fix it on purpose', () => {
    const step = guideStep(step5);
    assert.ok(step.variables.has('MYSQL_PVC_SIZE'));
    assert.ok(!step.variables.has('MYSQL_STORAGE_SIZE'));
    assert.throws(() => expand(step.manifests[0] ?? '', new Map([...step.variables])), /MYSQL_STORAGE_SIZE/);
    assert.equal(step.variables.get('CLUSTER_NAME'), 'clsuter1', 'the misspelling is why the tests use their own cluster name');
  });

  it('step 5: the Application, with every annotation and label the guide sets', () => {
    const expected = guideManifest(step5, 0, guideStep5Overrides);
    const built = buildDeepflowApplication(guideInput);
    assert.deepEqual(withoutValuesAnnotation(built), withoutValuesAnnotation(expected));
    assert.deepEqual(Object.keys(annotations(built)), Object.keys(annotations(expected)));
    assert.equal(annotations(built)['app.cpaas.io/chart.version'], 'v3.19.0-fix.49.27.gb547cdc5-dbs');
    assert.deepEqual(built.metadata.labels, { 'sync-from-helmrequest': 'true' });
  });

  it('step 5: the values annotation is the guide JSON, in the guide order, with the MySQL size set', () => {
    const expected = guideManifest(step5, 0, guideStep5Overrides);
    const built = buildDeepflowApplication(guideInput);
    const builtText = annotations(built)[chartValuesAnnotation] ?? '';
    const guideValues = JSON.parse(annotations(expected)[chartValuesAnnotation] ?? '') as unknown;
    const builtValues = JSON.parse(builtText) as unknown;
    assert.deepEqual(builtValues, guideValues);
    // Same key order too, so the annotation reads like the guide.
    assert.equal(JSON.stringify(builtValues), JSON.stringify(guideValues));
    assert.equal(builtText, JSON.stringify(builtValues, null, 2), 'indented for humans');
    assert.deepEqual(builtValues, buildDeepflowValues(guideInput));
    const mysql = (builtValues as { mysql: { storageConfig: { persistence: { size: string } } } }).mysql;
    assert.equal(mysql.storageConfig.persistence.size, '50Gi');
  });

  it('step 5: the Grafana Ingress', () => {
    const expected = guideManifest(step5, 1, guideStep5Overrides);
    assert.deepEqual(buildGrafanaIngress('cluster1'), expected);
  });

  it('the ingress path is the Grafana sub-path or anything below it', () => {
    assert.equal(grafanaIngressPath('cluster1'), '/clusters/cluster1/deepflow($|/)(.*)');
    const pattern = new RegExp(`^${grafanaIngressPath('cluster1')}$`);
    assert.ok(pattern.test('/clusters/cluster1/deepflow'));
    assert.ok(pattern.test('/clusters/cluster1/deepflow/d/Distributed_Tracing'));
    assert.ok(!pattern.test('/clusters/cluster1/deepflowx'));
  });

  it('refuses a cluster name that would corrupt the ingress regex or the Grafana URL', () => {
    assert.throws(() => buildGrafanaIngress('Cluster1'), /lowercase/);
    assert.throws(() => buildGrafanaIngress('a(.*)'), /Invalid cluster name/);
    assert.throws(() => buildDeepflowApplication({ ...guideInput, clusterName: 'c/../x' }), /Invalid cluster name/);
  });
});

describe('DeepFlow values', () => {
  const trickyPassword = 'p"a\\ss$HOME wörd Ünïcødé 密码 ${X}';

  it('a password with ", \\, $, a space and non-ASCII letters survives YAML and JSON exactly', () => {
    const app = buildDeepflowApplication({ ...guideInput, grafanaAdminPassword: trickyPassword });
    // Through YAML, as it travels in a server-side apply body and back out of kubectl -o yaml.
    const roundTripped = parse(stringify(app)) as KubeObject;
    const values = JSON.parse(annotations(roundTripped)[chartValuesAnnotation] ?? '') as { grafana: { adminPassword: string } };
    assert.equal(values.grafana.adminPassword, trickyPassword);
    assert.equal(readValuesAnnotation(roundTripped)?.grafana !== undefined, true);
    assert.deepEqual(readValuesAnnotation(roundTripped), buildDeepflowValues({ ...guideInput, grafanaAdminPassword: trickyPassword }));
    // And through JSON, as the API server stores it.
    const viaJson = JSON.parse(JSON.stringify(app)) as KubeObject;
    assert.equal((readValuesAnnotation(viaJson)?.grafana as { adminPassword: string }).adminPassword, trickyPassword);
  });

  it('puts each chosen size and the storage class where the chart reads them', () => {
    const values = buildDeepflowValues({ ...guideInput, storageClass: 'fast', mysqlSize: '20Gi', clickhousePathSize: '1Ti', clickhouseStoragePathSize: '2Ti' });
    assert.deepEqual(values.global, { storageClass: 'fast' });
    assert.deepEqual(values.mysql, { storageConfig: { persistence: { size: '20Gi' } } });
    const persistence = (values.clickhouse as { storageConfig: { persistence: { name: string; size: string; storageClass: string }[] } }).storageConfig.persistence;
    assert.deepEqual(
      persistence.map((p) => [p.name, p.size, p.storageClass]),
      [
        ['clickhouse-path', '1Ti', '{{ .Values.global.storageClass }}'],
        ['clickhouse-storage-path', '2Ti', '{{ .Values.global.storageClass }}'],
      ],
    );
  });

  it('sets the cluster name in the agent and in Grafana root_url', () => {
    const values = buildDeepflowValues({ ...guideInput, clusterName: 'prod-east' });
    assert.deepEqual(values['deepflow-agent'], { clusterNAME: 'prod-east' });
    const grafana = values.grafana as { 'grafana.ini': { server: { root_url: string; serve_from_sub_path: boolean } } };
    assert.deepEqual(grafana['grafana.ini'].server, { root_url: '%(protocol)s://%(domain)s/clusters/prod-east/deepflow', serve_from_sub_path: true });
  });

  it('sets only keys that the upstream chart (or its Grafana subchart) defines', () => {
    const upstream = parse(readFileSync(join(chartDir, 'deepflow-values.yaml'), 'utf8')) as Record<string, unknown>;
    const agent = parse(readFileSync(join(chartDir, 'deepflow-agent-values.yaml'), 'utf8')) as Record<string, unknown>;
    // The agent subchart's own values apply under its name, beneath the parent's overrides.
    upstream['deepflow-agent'] = { ...agent, ...(upstream['deepflow-agent'] as Record<string, unknown>) };
    // grafana.adminUser and grafana.ini's [server] section belong to the upstream Grafana chart (the chart README).
    const grafanaSubchartKeys = [/^grafana\.adminUser$/, /^grafana\.grafana\.ini\.server(\.|$)/];

    const unknownKeys: string[] = [];
    const walk = (ours: unknown, theirs: unknown, path: string): void => {
      if (grafanaSubchartKeys.some((allowed) => allowed.test(path))) return;
      if (Array.isArray(ours)) {
        if (!Array.isArray(theirs)) return void unknownKeys.push(`${path} (not a list upstream)`);
        // Lists of volumes: compare each of ours with the upstream entry of the same name.
        ours.forEach((item: unknown, i) => {
          const name = (item as { name?: unknown }).name;
          const match: unknown = theirs.find((t: unknown) => (t as { name?: unknown }).name === name) ?? theirs[0];
          walk(item, match, `${path}[${i}]`);
        });
        return;
      }
      if (typeof ours === 'object' && ours !== null) {
        if (typeof theirs !== 'object' || theirs === null) return void unknownKeys.push(`${path} (not a map upstream)`);
        for (const [key, value] of Object.entries(ours)) {
          const childPath = path ? `${path}.${key}` : key;
          if (!(key in theirs)) {
            if (!grafanaSubchartKeys.some((allowed) => allowed.test(childPath))) unknownKeys.push(childPath);
            continue;
          }
          walk(value, (theirs as Record<string, unknown>)[key], childPath);
        }
      }
    };
    walk(buildDeepflowValues(guideInput), upstream, '');
    assert.deepEqual(unknownKeys, []);
  });

  it('the key check catches a typo such as clusterName for clusterNAME', () => {
    const agent = parse(readFileSync(join(chartDir, 'deepflow-agent-values.yaml'), 'utf8')) as Record<string, unknown>;
    assert.ok('clusterNAME' in agent);
    assert.ok(!('clusterName' in agent));
  });
});

describe('readValuesAnnotation', () => {
  const app = (values: string | undefined): KubeObject => ({
    apiVersion: 'app.k8s.io/v1beta1',
    kind: 'Application',
    metadata: { name: 'deepflow', annotations: values === undefined ? {} : { [chartValuesAnnotation]: values } },
  });

  it('reads the values an Application was built with', () => {
    assert.deepEqual(readValuesAnnotation(buildDeepflowApplication(guideInput)), buildDeepflowValues(guideInput));
  });

  it('is undefined when the annotation is missing, not JSON, or not an object', () => {
    assert.equal(readValuesAnnotation(app(undefined)), undefined);
    assert.equal(readValuesAnnotation({ apiVersion: 'v1', kind: 'Application', metadata: {} }), undefined);
    assert.equal(readValuesAnnotation(app('{"global": ')), undefined);
    assert.equal(readValuesAnnotation(app('[1, 2]')), undefined);
    assert.equal(readValuesAnnotation(app('"text"')), undefined);
  });
});

describe('diffValues', () => {
  const before = buildDeepflowValues(guideInput);

  it('finds nothing when the values are the same', () => {
    assert.deepEqual(diffValues(before, buildDeepflowValues({ ...guideInput })), []);
  });

  it('lists each changed leaf by its path', () => {
    const after = buildDeepflowValues({ ...guideInput, mysqlSize: '80Gi', clickhouseStoragePathSize: '300Gi', clusterName: 'cluster2' });
    assert.deepEqual(diffValues(before, after), [
      { path: 'deepflow-agent.clusterNAME', before: 'cluster1', after: 'cluster2' },
      {
        path: 'grafana["grafana.ini"].server.root_url',
        before: '%(protocol)s://%(domain)s/clusters/cluster1/deepflow',
        after: '%(protocol)s://%(domain)s/clusters/cluster2/deepflow',
      },
      { path: 'mysql.storageConfig.persistence.size', before: '50Gi', after: '80Gi' },
      { path: 'clickhouse.storageConfig.persistence[1].size', before: '200Gi', after: '300Gi' },
    ]);
  });

  it('masks passwords but still shows that they changed', () => {
    const after = buildDeepflowValues({ ...guideInput, grafanaAdminPassword: 's3cret!' });
    const changes = diffValues(before, after);
    assert.deepEqual(changes, [{ path: 'grafana.adminPassword', before: secretMask, after: secretMask }]);
    assert.ok(!JSON.stringify(changes).includes('s3cret!'));
    assert.ok(!JSON.stringify(changes).includes('"deepflow"'));
  });

  it('masks passwords inside added, removed or retyped subtrees', () => {
    const changes = diffValues(
      { global: { password: { mysql: 'old-secret' } }, extra: 'x' },
      { global: { password: 'flat-secret' }, grafana: { adminPassword: 'new-secret', adminUser: 'root' } },
    );
    const text = JSON.stringify(changes);
    for (const secret of ['old-secret', 'flat-secret', 'new-secret']) assert.ok(!text.includes(secret), `${secret} is masked`);
    assert.deepEqual(changes, [
      // Everything under a password-like key is masked whole, whatever its shape.
      { path: 'global.password', before: secretMask, after: secretMask },
      { path: 'extra', before: 'x', after: undefined },
      { path: 'grafana.adminPassword', before: undefined, after: secretMask },
      { path: 'grafana.adminUser', before: undefined, after: 'root' },
    ]);
  });

  it('masks every credential-like key, whatever its case: pass, secret, token, key, cred', () => {
    const keys = ['passwd', 'clientSecret', 'apiToken', 'privateKey', 'Credentials', 'PASSPHRASE', 'accessKeyID'];
    const before = Object.fromEntries(keys.map((k) => [k, `old-${k}-value`]));
    const after = Object.fromEntries(keys.map((k) => [k, `new-${k}-value`]));
    const changes = diffValues({ s3: before, replicas: 1 }, { s3: after, replicas: 2 });
    const shown = describeValueChanges(changes);
    for (const k of keys) {
      assert.ok(shown.includes(`s3.${k}: ${secretMask} → ${secretMask}`), `${k} not masked:\n${shown}`);
      assert.ok(!shown.includes(`-${k}-value`), `${k}'s value shown:\n${shown}`);
    }
    assert.match(shown, /replicas: 1 → 2/);
  });

  it('lists added and removed list entries', () => {
    assert.deepEqual(diffValues({ a: [1, 2] }, { a: [1, 3, 4] }), [
      { path: 'a[1]', before: 2, after: 3 },
      { path: 'a[2]', before: undefined, after: 4 },
    ]);
  });
});

describe('requestedStorage', () => {
  it('totals the guide defaults to 350Gi, as the guide says', () => {
    const storage = requestedStorage(defaultDeepflowSizes);
    assert.equal(storage.total, '350Gi');
    assert.deepEqual(
      storage.items.map((item) => item.size),
      ['50Gi', '100Gi', '200Gi'],
    );
    assert.equal(storage.items.length, 3);
  });

  it('sums mixed suffixes exactly', () => {
    assert.equal(requestedStorage({ mysqlSize: '512Mi', clickhousePathSize: '1.5Gi', clickhouseStoragePathSize: '1Ti' }).total, '1026Gi');
    assert.equal(requestedStorage({ mysqlSize: '1G', clickhousePathSize: '1G', clickhouseStoragePathSize: '1G' }).total, '3G');
  });

  it('refuses an invalid size rather than guessing', () => {
    assert.throws(() => requestedStorage({ ...defaultDeepflowSizes, mysqlSize: '50GB' }), /50Gi/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Snippets: generated from the builders, so they cannot drift. Run with UPDATE_SNIPPETS=1 to rewrite the file.

const snippetsPath = join(root, 'snippets', 'deepflow.code-snippets');

interface TabStop {
  /** A value that the builders accept and that occurs nowhere else in their output. */
  marker: string;
  index: number;
  /** The text the snippet offers; also what expanding the snippet yields. */
  placeholder: string;
}

function tabStop(index: number, placeholder: string): TabStop {
  return { marker: `snippet-tab-stop-${index}`, index, placeholder };
}

/**
 * Snippet syntax gives `$` and `\` meaning everywhere, so literal text (the ingress regex) escapes them; `}` only
 * needs escaping inside a placeholder, and leaving the JSON's braces alone keeps the snippet file readable.
 */
function escapeSnippetText(text: string, inPlaceholder = false): string {
  return text.replace(inPlaceholder ? /[$}\\]/g : /[$\\]/g, (c) => `\\${c}`);
}

function snippetBody(manifest: KubeObject, stops: TabStop[]): string[] {
  let text = escapeSnippetText(stringify(manifest, { lineWidth: 0 }).trimEnd());
  for (const stop of stops) text = text.split(stop.marker).join(`\${${stop.index}:${escapeSnippetText(stop.placeholder, true)}}`);
  return text.split('\n');
}

interface Snippet {
  prefix: string;
  description: string;
  body: string[];
}

function generateSnippets(): Record<string, Snippet> {
  const sc = { name: tabStop(1, 'nfs'), server: tabStop(2, 'nfs.example.com'), share: tabStop(3, '/nfs') };
  const app = {
    chartVersion: tabStop(1, 'v3.19.0-fix.49.27.gb547cdc5-dbs'),
    clusterName: tabStop(2, 'cluster-name'),
    storageClass: tabStop(3, 'nfs'),
    grafanaAdminUser: tabStop(4, 'admin'),
    grafanaAdminPassword: tabStop(5, 'change-me'),
    mysqlSize: tabStop(6, defaultDeepflowSizes.mysqlSize),
    clickhousePathSize: tabStop(7, defaultDeepflowSizes.clickhousePathSize),
    clickhouseStoragePathSize: tabStop(8, defaultDeepflowSizes.clickhouseStoragePathSize),
  };
  const ingressCluster = tabStop(1, 'cluster-name');
  return {
    'DeepFlow: NFS ClusterPluginInstance': {
      prefix: 'deepflow-nfs-plugin',
      description: 'ACP ClusterPluginInstance that installs the NFS CSI plugin (DeepFlow install guide, step 3)',
      body: snippetBody(buildNfsPluginInstance(), []),
    },
    'DeepFlow: NFS StorageClass': {
      prefix: 'deepflow-storageclass',
      description: 'NFS StorageClass shared with all ACP projects (DeepFlow install guide, step 4)',
      body: snippetBody(
        buildNfsStorageClass({ name: sc.name.marker, server: sc.server.marker, share: sc.share.marker }),
        Object.values(sc),
      ),
    },
    'DeepFlow: Application': {
      prefix: 'deepflow-application',
      description: 'ACP Application installing the DeepFlow chart, with its values as JSON (DeepFlow install guide, step 5)',
      body: snippetBody(
        buildDeepflowApplication({
          chartVersion: app.chartVersion.marker,
          clusterName: app.clusterName.marker,
          storageClass: app.storageClass.marker,
          grafanaAdminUser: app.grafanaAdminUser.marker,
          grafanaAdminPassword: app.grafanaAdminPassword.marker,
          mysqlSize: app.mysqlSize.marker,
          clickhousePathSize: app.clickhousePathSize.marker,
          clickhouseStoragePathSize: app.clickhouseStoragePathSize.marker,
        }),
        Object.values(app),
      ),
    },
    'DeepFlow: Grafana Ingress': {
      prefix: 'deepflow-ingress',
      description: "Ingress serving DeepFlow's Grafana under /clusters/<cluster>/deepflow (DeepFlow install guide, step 5)",
      body: snippetBody(buildGrafanaIngress(ingressCluster.marker), [ingressCluster]),
    },
  };
}

/** What VS Code inserts when the user accepts every placeholder, for the subset of snippet syntax used here. */
function expandSnippet(body: string[]): string {
  return body
    .join('\n')
    .replace(/\$\{\d+:((?:\\.|[^}\\])*)\}/g, (_, placeholder: string) => placeholder)
    .replace(/\\([$}\\])/g, '$1');
}

describe('snippets', () => {
  const generated = `${JSON.stringify(generateSnippets(), null, 2)}\n`;
  if (process.env.UPDATE_SNIPPETS) writeFileSync(snippetsPath, generated);
  const onDisk = JSON.parse(readFileSync(snippetsPath, 'utf8')) as Record<string, Snippet>;

  it('are what the builders produce (regenerate with UPDATE_SNIPPETS=1)', () => {
    assert.equal(readFileSync(snippetsPath, 'utf8'), generated);
  });

  it('expand, with their placeholders accepted, to the builders’ manifests', () => {
    const expanded = (title: string) => {
      const snippet = onDisk[title];
      assert.ok(snippet, title);
      return parse(expandSnippet(snippet.body)) as unknown;
    };
    assert.deepEqual(expanded('DeepFlow: NFS ClusterPluginInstance'), buildNfsPluginInstance());
    assert.deepEqual(expanded('DeepFlow: NFS StorageClass'), buildNfsStorageClass({ name: 'nfs', server: 'nfs.example.com', share: '/nfs' }));
    assert.deepEqual(expanded('DeepFlow: Grafana Ingress'), buildGrafanaIngress('cluster-name'));
    const app = expanded('DeepFlow: Application') as KubeObject;
    const input = {
      chartVersion: 'v3.19.0-fix.49.27.gb547cdc5-dbs',
      clusterName: 'cluster-name',
      storageClass: 'nfs',
      grafanaAdminUser: 'admin',
      grafanaAdminPassword: 'change-me',
      ...defaultDeepflowSizes,
    };
    assert.deepEqual(app, buildDeepflowApplication(input));
    assert.deepEqual(readValuesAnnotation(app), buildDeepflowValues(input));
  });

  it('escape the ingress regex `$` so VS Code does not read it as a variable', () => {
    const ingress = onDisk['DeepFlow: Grafana Ingress']?.body.join('\n') ?? '';
    assert.ok(ingress.includes('path: /clusters/${1:cluster-name}/deepflow(\\$|/)(.*)'), ingress);
  });

  it('use one tab stop for both places the cluster name appears in the Application', () => {
    const body = onDisk['DeepFlow: Application']?.body.join('\n') ?? '';
    assert.equal(body.split('${2:cluster-name}').length - 1, 2);
    assert.ok(!body.includes('snippet-tab-stop'));
  });
});
