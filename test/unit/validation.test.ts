import assert from 'node:assert/strict';
import {
  formatQuantity,
  generateGrafanaPassword,
  validateGrafanaPassword,
  normalisePlatformUrl,
  parseQuantity,
  validateClusterName,
  validateGrafanaUser,
  validateNfsPath,
  validateNfsServer,
  validatePassword,
  validatePlatformUrl,
  validateQuantity,
  validateStorageClassName,
  validateToken,
  validateUsername,
  type ValidationResult,
} from '../../src/acp/validation';

/** Each good value passes; each bad value gets a message matching its pattern (the words the user needs to see). */
function check(validate: (value: string) => ValidationResult, good: string[], bad: [string, RegExp][]): void {
  for (const value of good) assert.equal(validate(value), undefined, `${JSON.stringify(value)} is accepted`);
  for (const [value, message] of bad) {
    const result = validate(value);
    assert.ok(result, `${JSON.stringify(value)} is refused`);
    assert.match(result, message, `message for ${JSON.stringify(value)}`);
  }
}

describe('validation: the bad inputs named in the issue', () => {
  it('an http:// platform URL asks for https', () => {
    assert.match(validatePlatformUrl('http://43.138.134.22') ?? '', /https/);
  });
  it('an IPv6 platform is refused because violet cannot use it', () => {
    assert.match(validatePlatformUrl('https://[2001:db8::1]') ?? '', /IPv6.*violet/);
  });
  it('Cluster1 as the cluster name asks for lowercase', () => {
    assert.match(validateClusterName('Cluster1') ?? '', /lowercase.*cluster1/);
  });
  it('50GB as a size suggests 50Gi', () => {
    assert.match(validateQuantity('50GB') ?? '', /50Gi/);
  });
  it('nfs as the NFS path asks for an absolute path', () => {
    assert.match(validateNfsPath('nfs') ?? '', /must be an absolute path, like \/nfs/);
  });
});

describe('validatePlatformUrl', () => {
  it('accepts https hosts, IPv4 addresses and ports, with or without a trailing slash', () => {
    check(
      validatePlatformUrl,
      ['https://43.138.134.22', 'https://43.138.134.22/', 'https://acp.example.com', 'https://acp.example.com:8443/', ' https://acp.example.com '],
      [
        ['', /Enter the platform URL/],
        ['HTTP://acp.example.com', /https/],
        ['acp.example.com', /Start the platform URL with https:\/\/, like https:\/\/acp\.example\.com/],
        ['ftp://acp.example.com', /must use https/],
        ['https://[::1]:8443/', /IPv6/],
        ['https://2001:db8::1', /IPv6/],
        ['https://', /host|valid/],
        ['https:///platform', /host/],
        ['https://acp.example.com/platform', /without a path: https:\/\/acp\.example\.com$/],
        ['https://acp.example.com/?x=1', /without a path/],
        ['https://admin:pw@acp.example.com', /credentials/],
        ['https://acp example.com', /valid URL/],
      ],
    );
  });

  it('normalises to the origin, without the trailing slash', () => {
    assert.equal(normalisePlatformUrl('https://43.138.134.22/'), 'https://43.138.134.22');
    assert.equal(normalisePlatformUrl(' https://ACP.example.com:443/ '), 'https://acp.example.com');
    assert.equal(normalisePlatformUrl('https://acp.example.com:8443'), 'https://acp.example.com:8443');
  });
});

describe('credentials', () => {
  it('username: non-empty, no spaces', () => {
    check(validateUsername, ['admin@cpaas.io', 'admin'], [
      ['', /Enter the platform username/],
      ['   ', /Enter/],
      ['ad min', /spaces/],
    ]);
  });
  it('password: anything non-empty, spaces and quotes included', () => {
    check(validatePassword, ['07Apples@', ' a "b" \\ $c '], [['', /Enter the password/]]);
  });
  it('token: non-empty, no whitespace from a bad paste', () => {
    check(validateToken, ['eyJhbGciOi.abc.def'], [
      ['', /Enter the platform token/],
      ['eyJ abc', /spaces/],
      ['eyJ\nabc', /line breaks/],
    ]);
  });
});

describe('NFS', () => {
  it('server: a host name or an IPv4 address', () => {
    check(validateNfsServer, ['10.100.0.4', 'nfs.example.com', 'NFS-1.local', 'nfs'], [
      ['', /Enter the NFS server/],
      ['10.100.0.4 ', /spaces/],
      ['nfs server', /spaces/],
      ['nfs://10.100.0.4', /without a scheme/],
      ['10.100.0.4:/nfs', /NFS path is asked for/],
      ['nfs.example.com/nfs', /NFS path is asked for/],
      ['2001:db8::1', /IPv6/],
      ['10.100.0.256', /not a valid IPv4/],
      ['10.100.0', /not a valid IPv4/],
      ['-nfs.example.com', /valid host name/],
      ['nfs_1.example.com', /valid host name/],
    ]);
  });
  it('path: absolute', () => {
    check(validateNfsPath, ['/nfs', '/exports/deepflow', '/'], [
      ['', /Enter the NFS share path/],
      ['nfs', /must be an absolute path, like \/nfs/],
      ['./nfs', /absolute/],
      ['10.100.0.4:/nfs', /without the server/],
      ['/my share', /spaces/],
      [' /nfs', /start or end with spaces/],
      ['/nfs/../etc', /\.\./],
    ]);
  });
});

describe('Kubernetes names', () => {
  it('cluster name: DNS-1123 label', () => {
    check(validateClusterName, ['cluster1', 'global', 'prod-east-1', 'a', 'a'.repeat(63)], [
      ['', /Enter the cluster name/],
      ['Cluster1', /lowercase/],
      ['-cluster', /start and end/],
      ['cluster-', /start and end/],
      ['clu_ster', /lowercase letters, digits and '-'/],
      ['cluster.one', /lowercase letters, digits and '-'/],
      ['a'.repeat(64), /63/],
    ]);
  });
  it('storage class name: DNS-1123 subdomain', () => {
    check(validateStorageClassName, ['nfs', 'nfs-fast', 'nfs.csi.example'], [
      ['', /Enter the storage class name/],
      ['NFS', /lowercase/],
      ['nfs_fast', /lowercase letters, digits, '-' and '.'/],
      ['nfs..fast', /start and end/],
      ['.nfs', /start and end/],
      ['a'.repeat(254), /253/],
    ]);
  });
});

describe('Grafana', () => {
  it('admin user: non-empty, no spaces', () => {
    check(validateGrafanaUser, ['admin', 'ops@example.com'], [
      ['', /Enter the Grafana admin user/],
      ['ad min', /spaces/],
    ]);
  });
  it('accepts a password of its own', () => {
    assert.equal(validateGrafanaPassword('Deepflow-2026!'), undefined);
  });
});

describe('quantities', () => {
  it('accepts Kubernetes storage quantities', () => {
    check(validateQuantity, ['50Gi', '100Gi', '1.5Ti', '500M', '1G', '1024', '1e9', '0.5Gi'], [
      ['', /Enter a size, like 50Gi/],
      ['50GB', /use 50Gi/],
      ['50gb', /use 50Gi/],
      ['50 Gi', /use 50Gi/],
      ['100MB', /use 100Mi/],
      ['2TiB', /use 2Ti/],
      ['10kb', /use 10Ki/],
      ['0', /more than zero/],
      ['0Gi', /more than zero/],
      ['-5Gi', /positive/],
      ['50m', /Kubernetes quantity/],
      ['Gi', /Kubernetes quantity/],
      ['fifty', /Kubernetes quantity/],
    ]);
  });

  it('parses to exact bytes', () => {
    assert.equal(parseQuantity('50Gi'), 50n * 2n ** 30n);
    assert.equal(parseQuantity('1.5Ti'), 3n * 2n ** 39n);
    assert.equal(parseQuantity('100G'), 100n * 10n ** 9n);
    assert.equal(parseQuantity('1e3'), 1000n);
    assert.equal(parseQuantity('1024'), 1024n);
    assert.equal(parseQuantity('0.5'), 1n, 'a fractional byte rounds up, as in Kubernetes');
    assert.equal(parseQuantity('8Ei'), 8n * 2n ** 60n, 'beyond Number.MAX_SAFE_INTEGER');
    assert.throws(() => parseQuantity('50GB'), /50Gi/);
  });

  it('formats bytes as the shortest exact quantity', () => {
    assert.equal(formatQuantity(350n * 2n ** 30n), '350Gi');
    assert.equal(formatQuantity(2n ** 40n), '1Ti');
    assert.equal(formatQuantity(1536n * 2n ** 20n), '1536Mi');
    assert.equal(formatQuantity(3n * 10n ** 9n), '3G');
    assert.equal(formatQuantity(1001n), '1001');
    assert.equal(formatQuantity(0n), '0');
    for (const q of ['50Gi', '1.5Ti', '100G', '7']) assert.equal(parseQuantity(formatQuantity(parseQuantity(q))), parseQuantity(q));
  });
});

describe('the Grafana admin password', () => {
  it("refuses the chart's default, whatever its case, with a clear message", () => {
    assert.match(validateGrafanaPassword('deepflow') ?? '', /chart's default Grafana password: anyone who knows DeepFlow can log in/);
    assert.match(validateGrafanaPassword('DeepFlow') ?? '', /chart's default/);
  });
  it('refuses a password that is part of a name the log shows, and a short one', () => {
    assert.match(validateGrafanaPassword('cpaas-system') ?? '', /part of the name "cpaas-system"/);
    assert.match(validateGrafanaPassword('grafana') ?? '', /at least 8/);
    assert.match(validateGrafanaPassword('deepflow-grafana') ?? '', /part of the name "deepflow-grafana"/);
    assert.match(validateGrafanaPassword('') ?? '', /Enter the Grafana admin password/);
  });
  it('generates strong passwords: 24 letters and digits, different each time, and accepted', () => {
    const passwords = new Set(Array.from({ length: 50 }, () => generateGrafanaPassword()));
    assert.equal(passwords.size, 50);
    for (const password of passwords) {
      assert.match(password, /^[A-Za-z0-9]{24}$/);
      assert.equal(validateGrafanaPassword(password), undefined);
    }
  });
});
