import assert from 'node:assert/strict';
import { chartVersionFromArtifact, isNfsArtifact, validateArtifactFile } from '../../src/acp/artifacts';

const guideDeepflow = 'deepflow-v3.19.0-fix.49.27.gb547cdc5-dbs.tgz';
const guideNfs = 'nfs.amd64.v4.0.2.tgz';

describe('artifacts', () => {
  it('reads the chart version from the guide’s DeepFlow artifact name', () => {
    assert.equal(chartVersionFromArtifact(guideDeepflow), 'v3.19.0-fix.49.27.gb547cdc5-dbs');
  });

  it('reads it from a full path too, POSIX or Windows', () => {
    assert.equal(chartVersionFromArtifact(`/home/ops/Downloads/${guideDeepflow}`), 'v3.19.0-fix.49.27.gb547cdc5-dbs');
    assert.equal(chartVersionFromArtifact(`C:\\Users\\ops\\${guideDeepflow}`), 'v3.19.0-fix.49.27.gb547cdc5-dbs');
    assert.equal(chartVersionFromArtifact('deepflow-v4.0.0.tgz'), 'v4.0.0');
    assert.equal(chartVersionFromArtifact('deepflow-3.19.0+build.7.tgz'), '3.19.0+build.7');
  });

  it('finds no version in names that are not deepflow-<version>.tgz', () => {
    for (const name of [guideNfs, 'deepflow.tgz', 'deepflow-latest.tgz', 'deepflow-v3.19.0.tar.gz', 'deepflow-v3.19.0.tgz.part', 'my-deepflow-v3.19.0.tgz', 'deepflow-v3.19.tgz']) {
      assert.equal(chartVersionFromArtifact(name), undefined, name);
    }
  });

  it('recognises the NFS CSI plugin artifact', () => {
    assert.ok(isNfsArtifact(guideNfs));
    assert.ok(isNfsArtifact(`/tmp/${guideNfs}`));
    assert.ok(isNfsArtifact('nfs.arm64.v4.1.0.tgz'));
    assert.ok(!isNfsArtifact(guideDeepflow));
    assert.ok(!isNfsArtifact('nfs.amd64.v4.0.2.zip'));
    assert.ok(!isNfsArtifact('nfsd.tgz'));
  });

  it('accepts the right artifact for each step', () => {
    assert.equal(validateArtifactFile(`/data/${guideDeepflow}`, 'deepflow'), undefined);
    assert.equal(validateArtifactFile(`/data/${guideNfs}`, 'nfs'), undefined);
  });

  it('explains a file that is not a .tgz', () => {
    assert.match(validateArtifactFile('/data/deepflow-v3.19.0.zip', 'deepflow') ?? '', /not a \.tgz artifact.*DeepFlow/);
    assert.match(validateArtifactFile('/data/notes.txt', 'nfs') ?? '', /not a \.tgz artifact.*NFS/);
    assert.match(validateArtifactFile('', 'nfs') ?? '', /Pick the NFS CSI plugin artifact/);
  });

  it('explains a swapped artifact', () => {
    assert.match(validateArtifactFile(guideNfs, 'deepflow') ?? '', /is the NFS CSI plugin artifact; pick the DeepFlow artifact/);
    assert.match(validateArtifactFile(guideDeepflow, 'nfs') ?? '', /is the DeepFlow artifact; pick the NFS CSI plugin artifact/);
  });

  it('explains a .tgz that is neither', () => {
    assert.match(validateArtifactFile('/data/other.tgz', 'deepflow') ?? '', /deepflow-<version>\.tgz/);
    assert.match(validateArtifactFile('/data/other.tgz', 'nfs') ?? '', /nfs\.amd64\.v4\.0\.2\.tgz/);
  });
});
