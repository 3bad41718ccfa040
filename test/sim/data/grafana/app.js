// The stand-in for Grafana's frontend bundle (public/build/app.<hash>.js), served by the simulator's Grafana.
// Like the real frontend it takes its root from window.grafanaBootData.settings.appSubUrl, routes on
// location.pathname relative to it and fetches the dashboard over the API from appSubUrl: a proxy that does not
// rewrite appSubUrl (or the base href that loads this file) shows no dashboard, as with the real Grafana.
(function () {
  'use strict';
  var boot = window.grafanaBootData || {};
  var settings = boot.settings || {};
  var user = boot.user || {};
  var sub = String(settings.appSubUrl || '');
  var root = document.getElementById('reactRoot');
  var params = new URLSearchParams(location.search);

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function show(nodes) {
    var preloader = document.querySelector('.preloader');
    if (preloader) preloader.remove();
    root.textContent = '';
    nodes.forEach(function (n) { root.appendChild(n); });
  }

  var theme = params.get('theme') === 'light' || params.get('theme') === 'dark' ? params.get('theme') : user.lightTheme ? 'light' : 'dark';
  document.body.classList.add('theme-' + theme);
  document.body.setAttribute('data-theme', theme);
  var kiosk = params.has('kiosk');
  if (kiosk) document.body.classList.add('page-kiosk-mode');

  function nav() {
    if (kiosk) return [];
    var n = el('nav', { id: 'nav' });
    n.appendChild(el('a', { href: sub + '/' }, 'Home'));
    n.appendChild(document.createTextNode(' '));
    n.appendChild(el('a', { href: sub + '/dashboards' }, 'Dashboards'));
    n.appendChild(el('span', { id: 'signed-in-user' }, ' ' + (user.login || '')));
    return [n];
  }

  function getJson(path) {
    return fetch(sub + path, { credentials: 'same-origin', headers: { accept: 'application/json' } }).then(function (res) {
      return res.json().then(function (body) {
        if (!res.ok) throw new Error((body && body.message) || 'HTTP ' + res.status);
        return body;
      });
    });
  }

  function panelTitles(panels, out) {
    (panels || []).forEach(function (p) {
      if (p.title) out.push(p.title);
      panelTitles(p.panels, out);
    });
    return out;
  }

  function dashboard(uid) {
    show(nav().concat([el('p', { id: 'loading' }, 'Loading dashboard…')]));
    getJson('/api/dashboards/uid/' + encodeURIComponent(uid)).then(function (body) {
      var d = body.dashboard || {};
      var meta = body.meta || {};
      var vars = el('ul', { id: 'variables' });
      params.forEach(function (value, key) {
        if (key.indexOf('var-') === 0) vars.appendChild(el('li', { 'data-var': key.slice(4) }, key + '=' + value));
      });
      var panels = el('ul', { id: 'panels' });
      panelTitles(d.panels, []).forEach(function (t) { panels.appendChild(el('li', { class: 'panel-title' }, t)); });
      show(nav().concat([
        el('h1', { id: 'dashboard-title', 'data-uid': String(d.uid || uid) }, String(d.title || uid)),
        el('p', { id: 'folder' }, 'Folder: ' + (meta.folderTitle || 'General')),
        vars,
        el('p', { id: 'time' }, 'from=' + (params.get('from') || 'now-6h') + ' to=' + (params.get('to') || 'now')),
        panels,
      ]));
      document.title = (d.title || uid) + ' - Dashboards - Grafana';
    }, function (err) {
      show(nav().concat([el('div', { id: 'dashboard-error', role: 'alert' }, 'Dashboard could not be loaded: ' + err.message)]));
    });
  }

  function home() {
    show(nav().concat([el('p', { id: 'loading' }, 'Loading…')]));
    getJson('/api/search?type=dash-db').then(function (hits) {
      var list = el('ul', { id: 'dashboards' });
      hits.forEach(function (h) {
        var li = el('li');
        li.appendChild(el('a', { href: sub + '/d/' + h.uid + '/' + (h.url || '').split('/').pop(), 'data-uid': h.uid }, h.title));
        li.appendChild(document.createTextNode(' (' + (h.folderTitle || 'General') + ')'));
        list.appendChild(li);
      });
      show(nav().concat([el('h1', { id: 'home-title' }, 'Dashboards'), list]));
    }, function (err) {
      show(nav().concat([el('div', { id: 'dashboard-error', role: 'alert' }, 'Dashboards could not be loaded: ' + err.message)]));
    });
  }

  function login() {
    var form = el('form', { id: 'login' });
    var name = el('input', { name: 'user', 'aria-label': 'Username input field' });
    var password = el('input', { name: 'password', type: 'password', 'aria-label': 'Password input field' });
    var message = el('p', { id: 'login-error', role: 'alert' });
    form.appendChild(name);
    form.appendChild(password);
    form.appendChild(el('button', { type: 'submit' }, 'Log in'));
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      fetch(sub + '/login', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: name.value, password: password.value }) })
        .then(function (res) { return res.json().then(function (body) { if (!res.ok) throw new Error(body.message); location.href = sub + '/'; }); })
        .catch(function (err) { message.textContent = err.message; });
    });
    show([el('h1', {}, 'Welcome to Grafana'), form, message]);
  }

  if (location.pathname !== sub && location.pathname.indexOf(sub + '/') !== 0) {
    show([el('div', { id: 'dashboard-error', role: 'alert' }, 'Grafana is served from ' + sub + '/ but this page is ' + location.pathname + '.')]);
    return;
  }
  var rel = location.pathname.slice(sub.length) || '/';
  var match = /^\/d\/([^/]+)/.exec(rel);
  if (match) dashboard(decodeURIComponent(match[1]));
  else if (rel === '/login') login();
  else if (rel === '/' || rel === '/dashboards') home();
  else show(nav().concat([el('h1', { id: 'not-found' }, 'Page not found')]));
})();
