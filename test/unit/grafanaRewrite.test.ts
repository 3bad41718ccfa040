import { strict as assert } from 'node:assert';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { decodeBody, rewriteIndexHtml, rewriteLocation, withoutFrameAncestors, type RewriteContext } from '../../src/grafana/rewrite';

const context: RewriteContext = {
  platformOrigin: 'https://192.168.1.10',
  subPath: '/clusters/c1/deepflow',
  localBase: '/proxy/4000/SECRET',
  externalOrigin: 'http://ide.example:8080',
};
const upstream = 'https://192.168.1.10/clusters/c1/deepflow/d/abc/slug?x=1';

describe('Grafana proxy rewriting', () => {
  describe('Location', () => {
    it('maps absolute-path, absolute platform and relative locations under the sub-path to the prefix and the secret', () => {
      assert.equal(rewriteLocation('/clusters/c1/deepflow/login', upstream, context), '/proxy/4000/SECRET/clusters/c1/deepflow/login');
      assert.equal(rewriteLocation('https://192.168.1.10/clusters/c1/deepflow/d/x?a=b#p', upstream, context), '/proxy/4000/SECRET/clusters/c1/deepflow/d/x?a=b#p');
      assert.equal(rewriteLocation('other-slug?y=2', upstream, context), '/proxy/4000/SECRET/clusters/c1/deepflow/d/abc/other-slug?y=2');
      assert.equal(rewriteLocation('../../', upstream, context), '/proxy/4000/SECRET/clusters/c1/deepflow/');
    });

    it('leaves other origins and platform paths outside Grafana alone', () => {
      assert.equal(rewriteLocation('https://idp.example/authorize', upstream, context), 'https://idp.example/authorize');
      assert.equal(rewriteLocation('/console/', upstream, context), '/console/');
      assert.equal(rewriteLocation('/clusters/c1/deepflowX/', upstream, context), '/clusters/c1/deepflowX/');
      assert.equal(rewriteLocation('http://192.168.1.10/clusters/c1/deepflow/', upstream, context), 'http://192.168.1.10/clusters/c1/deepflow/');
    });
  });

  describe('Content-Security-Policy', () => {
    it('drops frame-ancestors and keeps every other directive', () => {
      assert.equal(withoutFrameAncestors("script-src 'self'; frame-ancestors 'none'; object-src 'none'"), "script-src 'self'; object-src 'none'");
      assert.equal(withoutFrameAncestors("FRAME-ANCESTORS 'self'"), undefined);
      assert.equal(withoutFrameAncestors("default-src 'self'"), "default-src 'self'");
    });
  });

  describe('index page', () => {
    const html = [
      '<link rel="stylesheet" href="/clusters/c1/deepflow/public/css/grafana.dark.min.css">',
      '<link rel="icon" href="public/img/fav32.png">',
      '<base href="/clusters/c1/deepflow/" />',
      '<script>window.grafanaBootData = { user: {"login":"admin"}, settings: {"appSubUrl":"/clusters/c1/deepflow","appUrl":"http://localhost/clusters/c1/deepflow/","other":"/clusters/c1/deepflow"} };',
      "window.__grafana_public_path__ = '/clusters/c1/deepflow/public/';</script>",
      '<script src="public/build/app.abc.js"></script>',
      '<a href="/clusters/c1/deepflowish/">not ours</a>',
    ].join('\n');
    const out = rewriteIndexHtml(html, context);

    it('re-points the base href, absolute-path links, appSubUrl, appUrl and the public path at the prefix and the secret', () => {
      assert.ok(out.includes('<base href="/proxy/4000/SECRET/clusters/c1/deepflow/" />'));
      assert.ok(out.includes('href="/proxy/4000/SECRET/clusters/c1/deepflow/public/css/grafana.dark.min.css"'));
      assert.ok(out.includes('"appSubUrl":"/proxy/4000/SECRET/clusters/c1/deepflow"'));
      assert.ok(out.includes('"appUrl":"http://ide.example:8080/proxy/4000/SECRET/clusters/c1/deepflow/"'));
      assert.ok(out.includes("__grafana_public_path__ = '/proxy/4000/SECRET/clusters/c1/deepflow/public/'"));
    });

    it('keeps relative sources (they resolve through the base), other values and look-alike paths', () => {
      assert.ok(out.includes('<script src="public/build/app.abc.js">'));
      assert.ok(out.includes('href="public/img/fav32.png"'));
      assert.ok(out.includes('"other":"/clusters/c1/deepflow"'));
      assert.ok(out.includes('href="/clusters/c1/deepflowish/"'));
    });

    it('leaves an appSubUrl that names another root alone', () => {
      const foreign = rewriteIndexHtml('{"appSubUrl":"/grafana"}', context);
      assert.equal(foreign, '{"appSubUrl":"/grafana"}');
    });
  });

  describe('compressed HTML', () => {
    it('decodes gzip, deflate and br, passes identity, and refuses an unknown encoding', async () => {
      const html = Buffer.from('<base href="/clusters/c1/deepflow/" />');
      assert.deepEqual(await decodeBody(gzipSync(html), 'gzip'), html);
      assert.deepEqual(await decodeBody(deflateSync(html), 'deflate'), html);
      assert.deepEqual(await decodeBody(brotliCompressSync(html), ' BR '), html);
      assert.deepEqual(await decodeBody(html, undefined), html);
      await assert.rejects(decodeBody(html, 'zstd'), /content encoding the proxy cannot read \(zstd\)/);
    });
  });
});
