/* firedrill game day dashboard: one page, one WebSocket, no dependencies.
 * Every server message goes through receive(); docs/gameday.md
 * ("The protocol") lists them. */
'use strict';
(function () {

// ---------- helpers ----------
const $ = (id) => document.getElementById(id);
const SVGNS = 'http://www.w3.org/2000/svg';

function el(tag, props, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of kids) if (c !== null && c !== undefined && c !== false)
    e.append(c instanceof Node ? c : String(c));
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}
const num = (x) => typeof x === 'number' && isFinite(x);
const pad2 = (n) => String(n).padStart(2, '0');
function hms(s) {
  if (!num(s)) return '-';
  s = Math.max(0, Math.floor(s));
  return Math.floor(s / 3600) + ':' + pad2(Math.floor(s / 60) % 60) + ':' + pad2(s % 60);
}
function pct(x) {
  if (!num(x)) return '-';
  const p = x * 100;
  return (p >= 99 || p < 1 ? p.toFixed(2) : p.toFixed(1)) + '%';
}
function rate(x) {
  if (!num(x)) return '-';
  return x >= 10000 ? (x / 1000).toFixed(0) + 'k/s' : x >= 1000 ? (x / 1000).toFixed(1) + 'k/s'
    : (x >= 10 ? x.toFixed(0) : x.toFixed(1)) + '/s';
}
function secs(x) {
  if (!num(x)) return '-';
  return x < 1 ? (x * 1000).toFixed(x < 0.01 ? 1 : 0) + ' ms' : x.toFixed(2) + ' s';
}
function store(key, val) {
  try {
    if (val === undefined) return JSON.parse(localStorage.getItem('firedrill.' + key));
    localStorage.setItem('firedrill.' + key, JSON.stringify(val));
  } catch (e) { return null; }
  return val;
}
function whoText(w) {
  if (w === null || w === undefined) return '';
  if (typeof w === 'string') return w;
  if (typeof w === 'object') return w.name ? (w.team ? w.name + ' (' + w.team + ')' : w.name) : (w.team || '');
  return String(w);
}

// ---------- state ----------
const S = {
  you: { id: null, facilitator: false },
  scenario: {}, teams: [], services: [], regions: [], entries: [],
  graph: { nodes: [], edges: [] }, verbs: [], injects: [], hints: [],
  history: [], timeline: [], alerts: new Map(), pages: new Map(),
  status: [], players: new Map(), tick: null, clockBase: null,
  me: store('me') || null, welcomed: false, ended: false,
  cmdHistory: store('cmdHistory') || [], histPos: -1,
  sel: { service: null, region: 'all', window: 0 },
};
const outbox = [];   // every message the page tried to send (for tests)

function learnClock(m) {
  if (!m || !num(m.sim) || typeof m.clock !== 'string') return;
  const p = m.clock.split(':').map(Number);
  if (p.length < 2 || p.some((x) => !isFinite(x))) return;
  const sod = p[0] * 3600 + p[1] * 60 + (p[2] || 0);
  S.clockBase = (((sod - m.sim) % 86400) + 86400) % 86400;
}
function clockAt(sim, withSec) {
  if (S.clockBase === null || !num(sim)) return '';
  const s = Math.floor(S.clockBase + sim) % 86400;
  return pad2(Math.floor(s / 3600)) + ':' + pad2(Math.floor(s / 60) % 60) + (withSec ? ':' + pad2(s % 60) : '');
}

// ---------- connection ----------
let ws = null, backoff = 1000, reconnectTimer = null;

function setConn(up) {
  const c = $('conn');
  c.textContent = up ? 'connected' : 'disconnected';
  c.className = 'v conn ' + (up ? 'up' : 'down');
}
function connect() {
  reconnectTimer = null;
  if (!location.host) return;          // opened as a file: no server to talk to
  const token = new URLSearchParams(location.search).get('token') || '';
  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host +
    '/ws?token=' + encodeURIComponent(token);
  try { ws = new WebSocket(url, 'firedrill'); } catch (e) { ws = null; return retry(); }
  ws.onopen = () => setConn(true);   // the backoff resets on welcome: a server that
                                     // closes at once is not hammered
  ws.onmessage = (ev) => {
    let msg;
    try { msg = JSON.parse(ev.data); } catch (e) { return; }
    receive(msg);
  };
  ws.onclose = () => { ws = null; setConn(false); retry(); };
}
function retry() {
  if (reconnectTimer || S.ended) return;
  const wait = backoff * (0.75 + Math.random() / 2);
  backoff = Math.min(backoff * 2, 30000);
  reconnectTimer = setTimeout(connect, wait);
}
function send(obj) {
  outbox.push(obj);
  if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(obj)); return true; }
  return false;
}

// ---------- dispatcher ----------
const handlers = {};
function receive(msg) {
  if (!msg || typeof msg !== 'object' || typeof msg.t !== 'string') return;
  const h = handlers[msg.t];
  if (!h) return;
  try { h(msg); } catch (e) { console.error('firedrill: handling ' + msg.t, e); }
}

handlers.welcome = (m) => {
  const arr = (x) => (Array.isArray(x) ? x : []);
  S.you = m.you || { id: null, facilitator: false };
  S.scenario = m.scenario || {};
  S.teams = arr(m.teams); S.services = arr(m.services); S.regions = arr(m.regions);
  S.entries = arr(m.entries); S.verbs = arr(m.verbs);
  S.injects = arr(m.injects).map((i) => Object.assign({}, i));
  S.hints = arr(m.hints);
  S.graph = { nodes: arr(m.graph && m.graph.nodes), edges: arr(m.graph && m.graph.edges) };
  S.history = arr(m.history).filter((x) => x && num(x.sim)).sort((a, b) => a.sim - b.sim);
  S.timeline = []; S.alerts.clear(); S.pages.clear(); S.status = []; S.players.clear();
  $('timeline').textContent = '';
  S.welcomed = true;
  backoff = 1000;
  if (S.history.length) learnClock(S.history[S.history.length - 1]);
  arr(m.timeline).forEach((t) => { if (t && typeof t === 'object') handlers.timeline(t); });
  arr(m.alerts).forEach((a) => { if (a && a.name && a.firing !== false) S.alerts.set(a.name, a); });
  arr(m.pages).forEach((p) => { if (p && p.id !== undefined) S.pages.set(String(p.id), p); });
  S.status = arr(m.status).filter(Boolean);
  arr(m.players).forEach((p) => { if (p && p.id !== undefined && p.joined !== false) S.players.set(p.id, p); });
  if (m.state) handlers.tick(m.state);

  $('scenario').textContent = S.scenario.name || '-';
  document.title = 'firedrill: ' + (S.scenario.name || 'game day');
  $('join-scenario').textContent = S.scenario.name || '';
  $('fac').hidden = !S.you.facilitator;
  $('fac-panel').hidden = !S.you.facilitator;
  fillSelectors(); renderVerbs(); renderJoinTeams(); renderInjects(); renderHints();
  renderAlerts(); renderPages(); renderStatus(); renderPlayers();
  buildGraph(); buildCharts(); scheduleDraw();
  autoJoin();
};

handlers.tick = (m) => {
  S.tick = m; learnClock(m);
  if (typeof m.clock === 'string') $('clock').textContent = m.clock;
  if (num(m.sim)) $('elapsed').textContent = 'T+' + hms(m.sim);
  if (num(m.wall)) $('wall').textContent = hms(m.wall);
  if (num(m.speed)) {
    if (document.activeElement !== $('fac-speed')) $('fac-speed').value = m.speed;
    $('speed').textContent = +m.speed.toFixed(2) + '\u00d7';
    for (const b of $('fac-presets').children) b.classList.toggle('on', +b.dataset.speed === m.speed);
  }
  $('paused').hidden = !m.paused;
  if (m.ended) { S.ended = true; $('ended').hidden = false; }
};

handlers.metrics = (m) => {
  if (!num(m.sim)) return;
  learnClock(m);
  const h = S.history;
  while (h.length && h[h.length - 1].sim >= m.sim) h.pop();   // a replayed interval replaces
  h.push(m);
  if (!S.tick && typeof m.clock === 'string') $('clock').textContent = m.clock;
  if (S.sel.service === null && m.services) { fillSelectors(); buildCharts(); }
  updateGraph(); scheduleDraw();
};

handlers.alert = (m) => {
  if (!m.name) return;
  if (m.firing === false) S.alerts.delete(m.name); else S.alerts.set(m.name, m);
  renderAlerts();
};

handlers.page = (m) => {
  if (m.id === undefined || m.id === null) return;
  S.pages.set(String(m.id), Object.assign(S.pages.get(String(m.id)) || {}, m));
  renderPages();
};

handlers.timeline = (m) => {
  S.timeline.push(m);
  learnClock(m);
  const list = $('timeline');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const kind = typeof m.kind === 'string' ? m.kind : 'note';
  const who = whoText(m.who);
  list.append(el('li', { class: 'entry', 'data-kind': kind },
    el('span', { class: 'time', text: m.clock || clockAt(m.sim, true) }),
    el('span', { class: 'kind ' + kind, text: kind }),
    el('span', { class: 'text' }, who ? el('span', { class: 'who', text: who }) : null, m.text || '')));
  if (atBottom) list.scrollTop = list.scrollHeight;
  if (kind === 'inject' && typeof m.text === 'string') {
    let changed = false;
    for (const i of S.injects) if (!i.fired && i.name && m.text.includes(i.name)) { i.fired = true; changed = true; }
    if (changed) renderInjects();
  }
  if (kind === 'command') scheduleDraw();
};

handlers.status = (m) => { S.status.push(m); renderStatus(); };

handlers.player = (m) => {
  if (m.id === undefined) return;
  if (m.joined === false) S.players.delete(m.id); else S.players.set(m.id, m);
  renderPlayers();
};

handlers.reply = (m) => {
  addReply(m.line, m.text, m.ok !== false);
  if (m.ok === false && /^ack\b/.test(m.line || '')) renderPages();   // re-enable the button
};

handlers.completions = (m) => {
  const input = $('cmd');
  if (typeof m.line === 'string' && m.line !== input.value) return;   // stale
  showCompletions(Array.isArray(m.items) ? m.items.filter((x) => typeof x === 'string') : []);
};

handlers.end = (m) => {
  S.ended = true;
  $('ended').hidden = false;
  renderEnd(m.summary || {}, m.report);
  for (const b of $('fac').querySelectorAll('button, input')) b.disabled = true;
};

// ---------- join ----------
function teamChoices() {
  const t = S.teams.filter((x) => x && x.played).map((x) => ({ value: x.name, label: x.name }));
  if (S.you.facilitator) t.push({ value: 'facilitator', label: 'facilitator (no team)' });
  return t;
}
function renderJoinTeams() {
  const sel = $('join-team');
  sel.textContent = '';
  for (const c of teamChoices()) sel.append(el('option', { value: c.value, text: c.label }));
  if (S.me) {
    $('join-name').value = S.me.name || '';
    const want = S.me.team === null ? 'facilitator' : S.me.team;
    if (teamChoices().some((c) => c.value === want)) sel.value = want;
  }
}
function validTeam(team) {
  return team === null ? !!S.you.facilitator : S.teams.some((x) => x && x.played && x.name === team);
}
function join(name, team) {
  S.me = { name, team };
  store('me', S.me);
  send({ t: 'hello', name, team });
  $('join').hidden = true;
  $('me').textContent = name + ' \u00b7 ' + (team === null ? 'facilitator' : team);
  renderPages();
}
function autoJoin() {
  if (S.me && S.me.name && validTeam(S.me.team)) join(S.me.name, S.me.team);
  else $('join').hidden = false;
}
// The name in the header reopens the form: to change name or team.
$('me').addEventListener('click', () => { if (S.welcomed && !S.ended) { renderJoinTeams(); $('join').hidden = false; } });
$('join').addEventListener('keydown', (ev) => { if (ev.key === 'Escape' && S.me) $('join').hidden = true; });
$('join-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const name = $('join-name').value.trim();
  const v = $('join-team').value;
  if (!name) { $('join-error').textContent = 'A name, please.'; return; }
  if (!v) { $('join-error').textContent = 'No team to join yet: waiting for the server.'; return; }
  $('join-error').textContent = '';
  join(name, v === 'facilitator' ? null : v);
});

// ---------- side panels ----------
function emptyItem(text) { return el('li', { class: 'empty', text }); }

function renderAlerts() {
  const ul = $('alerts');
  ul.textContent = '';
  const list = [...S.alerts.values()].sort((a, b) => (a.sim || 0) - (b.sim || 0));
  $('alert-count').textContent = list.length;
  if (!list.length) ul.append(emptyItem('none firing'));
  for (const a of list) {
    ul.append(el('li', { class: 'alert', 'data-name': a.name },
      el('div', { class: 'row' }, el('span', { class: 'name grow', text: a.name }),
        el('span', { class: 'mono muted', text: 'since ' + (a.clock || clockAt(a.sim, true)) })),
      a.what ? el('div', { class: 'what', text: a.what }) : null));
  }
}

function renderPages() {
  const ul = $('pages');
  ul.textContent = '';
  const list = [...S.pages.values()].sort((a, b) => (b.sim || 0) - (a.sim || 0));
  const order = { open: 0, escalated: 1, acked: 2 };
  list.sort((a, b) => (order[a.state] ?? 3) - (order[b.state] ?? 3));
  if (!list.length) ul.append(emptyItem('no pages'));
  const mine = S.me ? S.me.team : undefined;
  for (const p of list) {
    const state = p.state || 'open';
    const canAck = state === 'open' && mine !== null && mine !== undefined && p.team === mine;
    ul.append(el('li', { class: 'page ' + state, 'data-id': String(p.id) },
      el('div', { class: 'row' },
        el('span', { class: 'team grow' }, '#' + p.id + ' ', el('b', { text: p.team || '?' })),
        canAck ? el('button', { type: 'button', class: 'ack', text: 'Acknowledge',
          onclick: (ev) => { ev.target.disabled = true; runCommand('ack ' + p.id); } })
          : el('span', { class: 'state ' + state, text: state })),
      el('div', { class: 'why' }, el('span', { class: 'mono', text: (p.clock || clockAt(p.sim, true)) + ' ' }),
        p.from ? el('span', { class: 'muted', text: 'from ' + p.from + ': ' }) : null,
        p.why || '', p.by ? el('span', { class: 'muted', text: ' \u2014 acked by ' + p.by }) : null)));
  }
}

function renderStatus() {
  const box = $('status');
  box.textContent = '';
  const last = S.status[S.status.length - 1];
  if (!last) { box.append(el('div', { class: 'muted', text: 'all systems operational (nothing posted)' })); return; }
  box.append(el('div', { class: 'status-now' },
    el('span', { class: 'st ' + (last.state || ''), text: last.state || '?' }),
    el('span', { class: 'mono muted', text: '  ' + (last.clock || clockAt(last.sim, true)) }),
    el('div', { text: last.text || '' })));
  const hist = el('div', { class: 'status-hist' });
  for (const s of S.status.slice(0, -1).reverse())
    hist.append(el('div', {}, el('span', { class: 'mono', text: (s.clock || '') + ' ' }),
      el('span', { class: 'st ' + (s.state || ''), text: s.state || '' }), ' ' + (s.text || '')));
  if (hist.childElementCount) box.append(hist);
}

function renderPlayers() {
  const ul = $('players');
  ul.textContent = '';
  const list = [...S.players.values()].sort((a, b) =>
    String(a.team || '~').localeCompare(String(b.team || '~')) || String(a.name).localeCompare(String(b.name)));
  $('player-count').textContent = list.length;
  if (!list.length) ul.append(emptyItem('nobody yet'));
  for (const p of list)
    ul.append(el('li', { class: 'player', 'data-id': String(p.id) },
      el('span', { text: p.name || '?' }), ' ',
      el('span', { class: 'team', text: p.team === null || p.team === undefined ? 'facilitator' : p.team })));
}

function renderInjects() {
  const ul = $('injects');
  ul.textContent = '';
  if (!S.injects.length) ul.append(emptyItem('no injects'));
  for (const i of S.injects)
    ul.append(el('li', { class: 'inject', 'data-name': i.name },
      el('div', { class: 'row' }, el('b', { class: 'grow', text: i.name }),
        i.fired ? el('span', { class: 'fired', text: 'fired' }) : null,
        el('button', { type: 'button', class: 'inject-fire small', 'data-name': i.name, text: 'Fire',
          onclick: () => send({ t: 'control', op: 'inject', value: i.name }) })),
      i.what ? el('div', { class: 'what', text: i.what }) : null));
}

function renderHints() {
  const ul = $('hints');
  ul.textContent = '';
  if (!S.hints.length) ul.append(emptyItem('no hints'));
  S.hints.forEach((h, idx) =>
    ul.append(el('li', { class: 'hint', 'data-index': String(idx) },
      el('div', { class: 'row' }, el('span', { class: 'grow mono', text: '#' + idx }),
        el('button', { type: 'button', class: 'hint-send small', 'data-index': String(idx), text: 'Send',
          onclick: () => send({ t: 'control', op: 'hint', value: idx }) })),
      el('span', { class: 'text', text: String(h) }))));
}

function renderEnd(sum, report) {
  const b = $('end-banner');
  b.textContent = '';
  const inc = sum.incident || null;
  b.append(el('h2', { text: 'The drill is over' + (sum.ok === true ? ': every expectation held' : sum.ok === false ? ': some expectations failed' : '') }));
  if (inc) {
    const dl = el('div', { class: 'mono' });
    for (const k of ['start', 'detected', 'mitigated', 'recovered']) {
      const v = inc[k];
      const c = v && typeof v === 'object' ? (v.clock || clockAt(v.t, true)) : (num(v) ? clockAt(v, true) : null);
      dl.append(el('span', { text: k + ' ' }), el('b', { text: c || '\u2014' }), '   ');
    }
    if (inc.detected_by) dl.append(el('span', { class: 'muted', text: '(detected by ' + inc.detected_by + ')' }));
    b.append(dl);
  }
  if (report) b.append(el('div', {}, 'Report: ', el('code', { text: String(report) })));
  if (Array.isArray(sum.expectations) && sum.expectations.length) {
    const ul = el('ul');
    for (const e of sum.expectations)
      ul.append(el('li', {}, el('b', { class: e.ok ? 'ok' : 'fail', text: e.ok ? 'PASS ' : 'FAIL ' }),
        (e.name || '') + (e.detail ? ' \u2014 ' + e.detail : '')));
    b.append(ul);
  }
  b.hidden = false;
}

// ---------- command box ----------
function addReply(line, text, ok) {
  const box = $('replies');
  box.append(el('div', { class: 'reply' + (ok ? '' : ' fail') },
    line ? el('div', { class: 'line', text: '> ' + line }) : null,
    el('pre', { text: text === undefined || text === null ? '' : String(text) })));
  while (box.childElementCount > 100) box.firstChild.remove();
  box.scrollTop = box.scrollHeight;
}
function runCommand(line) {
  line = line.trim();
  if (!line) return;
  if (S.cmdHistory[S.cmdHistory.length - 1] !== line) S.cmdHistory.push(line);
  if (S.cmdHistory.length > 200) S.cmdHistory.splice(0, S.cmdHistory.length - 200);
  store('cmdHistory', S.cmdHistory);
  S.histPos = -1;
  if (!send({ t: 'cmd', line })) addReply(line, 'not connected: the command was not sent', false);
}
// The status page's form posts through the same command as the console.
$('status-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = $('status-text').value.trim();
  if (!text) { $('status-text').focus(); return; }
  runCommand('status_page ' + $('status-state').value + ': ' + text);
  $('status-text').value = '';
});
function showCompletions(items) {
  const ul = $('completions'), input = $('cmd');
  ul.textContent = '';
  if (items.length === 1) { input.value = items[0]; ul.hidden = true; return; }
  if (!items.length) { ul.hidden = true; return; }
  let pre = items[0];
  for (const s of items) while (!s.startsWith(pre)) pre = pre.slice(0, -1);
  if (pre.length > input.value.length) input.value = pre;
  for (const s of items)
    ul.append(el('li', { text: s, onmousedown: (ev) => { ev.preventDefault(); input.value = s; ul.hidden = true; input.focus(); } }));
  ul.hidden = false;
}
function completeLocally(line) {
  // Without a server, at least the verbs complete.
  if (/\s/.test(line)) return [];
  return S.verbs.map((v) => v && v.verb).filter((v) => typeof v === 'string' && v.startsWith(line)).map((v) => v + ' ');
}
$('cmd').addEventListener('keydown', (ev) => {
  const input = ev.target;
  if (ev.key === 'Enter') {
    ev.preventDefault();
    $('completions').hidden = true;
    runCommand(input.value);
    input.value = '';
  } else if (ev.key === 'Tab') {
    ev.preventDefault();
    if (!send({ t: 'complete', line: input.value })) showCompletions(completeLocally(input.value));
  } else if (ev.key === 'ArrowUp' || ev.key === 'ArrowDown') {
    const h = S.cmdHistory;
    if (!h.length) return;
    ev.preventDefault();
    if (ev.key === 'ArrowUp') S.histPos = S.histPos < 0 ? h.length - 1 : Math.max(0, S.histPos - 1);
    else S.histPos = S.histPos < 0 ? -1 : S.histPos + 1;
    if (S.histPos >= h.length) S.histPos = -1;
    input.value = S.histPos < 0 ? '' : h[S.histPos];
  } else if (ev.key === 'Escape') {
    $('completions').hidden = true;
  }
});
$('cmd').addEventListener('input', () => { $('completions').hidden = true; });
document.addEventListener('keydown', (ev) => {   // "/" anywhere else goes to the command box
  const t = ev.target && ev.target.tagName;
  if (ev.key === '/' && t !== 'INPUT' && t !== 'SELECT' && t !== 'TEXTAREA' && $('join').hidden) {
    ev.preventDefault(); $('cmd').focus();
  }
});
$('help-toggle').addEventListener('click', () => { $('verbs').hidden = !$('verbs').hidden; });

function renderVerbs() {
  const dl = $('verbs');
  dl.textContent = '';
  for (const v of S.verbs) {
    if (!v || !v.verb) continue;
    dl.append(el('dt', { text: v.usage || v.verb, title: 'insert',
      onclick: () => { $('cmd').value = v.verb + ' '; $('cmd').focus(); } }),
    el('dd', { text: v.help || '' }));
  }
}

// ---------- facilitator ----------
const control = (op, value) => send(value === undefined ? { t: 'control', op } : { t: 'control', op, value });
$('fac-pause').addEventListener('click', () => control('pause'));
$('fac-resume').addEventListener('click', () => control('resume'));
$('fac-skip').addEventListener('click', () => control('skip'));
function setSpeed() {
  const v = parseFloat($('fac-speed').value);
  if (num(v) && v > 0) control('speed', v);
}
$('fac-speed-set').addEventListener('click', setSpeed);
$('fac-speed').addEventListener('keydown', (ev) => { if (ev.key === 'Enter') setSpeed(); });
for (const s of [1, 9, 60, 300, 600])
  $('fac-presets').append(el('button', { type: 'button', text: s + '\u00d7', 'data-speed': String(s),
    onclick: () => { $('fac-speed').value = s; control('speed', s); } }));
$('fac-end').addEventListener('click', () => {
  if (window.confirm('End the drill for everyone now?')) control('end');
});

// ---------- charts ----------
function fillSelectors() {
  const last = S.history[S.history.length - 1];
  let services = S.services.slice();
  if (!services.length && last && last.services) services = Object.keys(last.services);
  const ss = $('chart-service'), rs = $('chart-region');
  if (S.sel.service === null || !services.includes(S.sel.service)) S.sel.service = services[0] || null;
  ss.textContent = '';
  for (const s of services) ss.append(el('option', { value: s, text: s }));
  if (S.sel.service !== null) ss.value = S.sel.service;
  rs.textContent = '';
  for (const r of ['all'].concat(S.regions)) rs.append(el('option', { value: r, text: r }));
  if (!S.regions.includes(S.sel.region)) S.sel.region = 'all';
  rs.value = S.sel.region;
}
$('chart-service').addEventListener('change', (ev) => selectService(ev.target.value));
$('chart-region').addEventListener('change', (ev) => { S.sel.region = ev.target.value; buildCharts(); scheduleDraw(); });
$('chart-window').addEventListener('change', (ev) => { S.sel.window = +ev.target.value; scheduleDraw(); });
function selectService(name) {
  S.sel.service = name;
  $('chart-service').value = name;
  buildCharts(); updateGraph(); scheduleDraw();
}

const PALETTE = ['#5aa9e6', '#e6a35a', '#b58de6', '#4fd1b5', '#e6739c', '#c8d65a', '#9aa5b1'];
let charts = [];

// One region's figures, or "all": the server's own aggregate, else summed here.
function cell(m, svc, region) {
  const s = m && m.services && m.services[svc];
  if (!s) return null;
  if (s[region]) return s[region];
  if (region !== 'all') return null;
  const parts = Object.values(s).filter((x) => x && typeof x === 'object');
  if (!parts.length) return null;
  const sum = (k) => parts.reduce((a, p) => a + (num(p[k]) ? p[k] : 0), 0);
  const rps = sum('rps');
  const w = (k) => (rps > 0 ? parts.reduce((a, p) => a + (num(p[k]) && num(p.rps) ? p[k] * p.rps : 0), 0) / rps : null);
  return { avail: w('avail'), err: w('err'), rps, up: sum('up'), of: sum('of'),
    p99: Math.max(...parts.map((p) => (num(p.p99) ? p.p99 : 0))) };
}

function buildCharts() {
  const box = $('charts');
  box.textContent = '';
  charts = [];
  const svc = S.sel.service, reg = S.sel.region;
  const lines = (key) => {
    if (svc === null) return [];
    const l = [{ label: reg, color: reg === 'all' ? '#e6edf3' : PALETTE[0], width: 2,
      get: (m) => { const c = cell(m, svc, reg); return c ? c[key] : null; } }];
    if (reg === 'all')
      S.regions.forEach((r, i) => l.push({ label: r, color: PALETTE[i % PALETTE.length], width: 1, alpha: 0.75,
        get: (m) => { const c = cell(m, svc, r); return c ? c[key] : null; } }));
    return l;
  };
  const add = (title, fmt, series, yFixed, int) => {
    const canvas = el('canvas');
    const now = el('span', { class: 'now' });
    box.append(el('div', { class: 'chart' }, el('div', { class: 'head' }, el('span', { class: 'title', text: title }), now), canvas));
    charts.push({ canvas, now, fmt, series, yFixed, int });
  };
  if (svc !== null) {
    box.append(el('div', { class: 'chart section', text: svc + (reg === 'all' ? ' \u2014 all regions' : ' \u2014 ' + reg) }));
    add('Availability', pct, lines('avail'), [0, 1]);
    add('Error rate', pct, lines('err'), [0, 0.01]);
    add('p99 latency', secs, lines('p99'), [0, 0.05]);
    add('Traffic', rate, lines('rps'), [0, 1]);
    const cellOf = (m) => cell(m, svc, reg);
    add('Instances up / of', (v) => (num(v) ? String(Math.round(v)) : '-'), [
      { label: 'up', color: '#4fd1b5', width: 2, get: (m) => { const c = cellOf(m); return c ? c.up : null; } },
      { label: 'of', color: '#9aa5b1', width: 1, dash: [4, 3], get: (m) => { const c = cellOf(m); return c ? c.of : null; } },
    ], [0, 1], true);
  }
  if (S.entries.length) {
    box.append(el('div', { class: 'chart section', text: 'Entry points' }));
    const per = (key) => S.entries.map((e, i) => ({ label: e, color: PALETTE[(i + 1) % PALETTE.length], width: 2,
      get: (m) => (m.entries && m.entries[e] ? m.entries[e][key] : null) }));
    add('Entry availability', pct, per('avail'), [0, 1]);
    add('Entry traffic', rate, per('rps'), [0, 1]);
  }
  const leg = $('chart-legend');
  leg.textContent = '';
  if (svc !== null && reg === 'all')
    lines('avail').forEach((l) => { const i = el('i'); i.style.background = l.color; leg.append(i, l.label); });
}

let drawPending = false;
function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => { drawPending = false; drawCharts(); });
}
window.addEventListener('resize', scheduleDraw);

// "25.0%" -> "25%", "0.50%" -> "0.5%", "120/s" -> "120"
const axisLabel = (s) => s.replace('/s', '').replace(/(\.\d*?)0+(?=\D*$)/, '$1').replace(/\.(?=\D*$)/, '');

function niceStep(range, n, int) {
  const raw = range / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  if (int && raw <= 1) return 1;
  for (const f of int ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]) if (raw <= f * mag) return f * mag;
  return 10 * mag;
}

function drawCharts() {
  const h = S.history;
  const tNow = Math.max(h.length ? h[h.length - 1].sim : 0, S.tick && num(S.tick.sim) ? S.tick.sim : 0);
  let t0 = S.sel.window ? tNow - S.sel.window : (h.length ? h[0].sim : 0);
  let t1 = tNow;
  if (t1 - t0 < 300) t0 = t1 - 300;
  const pts = h.filter((m) => m.sim >= t0 - 60);
  const marks = S.timeline.filter((e) => e && e.kind === 'command' && num(e.sim) && e.sim >= t0 && e.sim <= t1);
  for (const c of charts) drawChart(c, pts, t0, t1, marks);
}

function drawChart(c, pts, t0, t1, marks) {
  const cv = c.canvas, dpr = window.devicePixelRatio || 1;
  const W = cv.clientWidth, H = cv.clientHeight;
  if (!W || !H) return;
  if (cv.width !== Math.round(W * dpr) || cv.height !== Math.round(H * dpr)) {
    cv.width = Math.round(W * dpr); cv.height = Math.round(H * dpr);
  }
  const g = cv.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, W, H);
  const L = 50, R = 8, T = 6, B = 16, pw = W - L - R, ph = H - T - B;
  // y range
  let lo = c.yFixed[0], hi = c.yFixed[1];
  const fixed = c.yFixed[1] === 1 && c.fmt === pct;
  if (!fixed) for (const s of c.series) for (const m of pts) { const v = s.get(m); if (num(v) && v > hi) hi = v; }
  if (!fixed) hi *= 1.1;
  if (c.fmt === pct) hi = Math.min(hi, 1);   // a fraction never passes 100%
  const step = niceStep(hi - lo, 4, c.int);
  if (!fixed) hi = Math.min(Math.ceil(hi / step) * step, c.fmt === pct ? 1 : Infinity);
  const X = (t) => L + ((t - t0) / (t1 - t0)) * pw;
  const Y = (v) => T + ph - ((v - lo) / (hi - lo)) * ph;
  g.font = '10px ui-monospace, DejaVu Sans Mono, monospace';
  g.textBaseline = 'middle';
  // grid and y labels
  g.strokeStyle = '#29323c'; g.fillStyle = '#8a96a3'; g.lineWidth = 1; g.textAlign = 'right';
  for (let v = lo; v <= hi + step / 1000; v += step) {
    const y = Math.round(Y(v)) + 0.5;
    g.beginPath(); g.moveTo(L, y); g.lineTo(L + pw, y); g.stroke();
    g.fillText(axisLabel(c.fmt(v)), L - 4, y);
  }
  // x labels in the scenario's clock
  const xs = [60, 120, 300, 600, 900, 1800, 3600, 7200].find((s) => (t1 - t0) / s <= Math.max(2, pw / 70)) || 7200;
  g.textAlign = 'center'; g.textBaseline = 'top';
  for (let t = Math.ceil(t0 / xs) * xs; t <= t1; t += xs) {
    const x = Math.round(X(t)) + 0.5;
    if (x < L + 16) continue;   // leave the corner to the y axis
    g.strokeStyle = '#212931';
    g.beginPath(); g.moveTo(x, T); g.lineTo(x, T + ph); g.stroke();
    g.fillText(clockAt(t) || ('T+' + Math.round(t / 60) + 'm'), x, T + ph + 3);
  }
  // human commands
  g.strokeStyle = 'rgba(143, 220, 159, 0.55)'; g.fillStyle = '#8fdc9f';
  for (const e of marks) {
    const x = Math.round(X(e.sim)) + 0.5;
    g.setLineDash([2, 3]); g.beginPath(); g.moveTo(x, T); g.lineTo(x, T + ph); g.stroke(); g.setLineDash([]);
    g.beginPath(); g.moveTo(x - 4, T); g.lineTo(x + 4, T); g.lineTo(x, T + 6); g.fill();
  }
  // series, the first (main) one drawn last
  g.save();
  g.beginPath(); g.rect(L, T - 2, pw, ph + 4); g.clip();
  for (const s of c.series.slice().reverse()) {
    g.strokeStyle = s.color; g.lineWidth = s.width || 1.5; g.globalAlpha = s.alpha || 1;
    g.setLineDash(s.dash || []);
    g.beginPath();
    let pen = false, prev = null;
    for (const m of pts) {
      const v = s.get(m);
      if (!num(v) || (prev !== null && m.sim - prev > 3 * (m.interval || 10) + 1)) { pen = false; }
      if (num(v)) { const x = X(m.sim), y = Y(Math.min(Math.max(v, lo), hi)); pen ? g.lineTo(x, y) : g.moveTo(x, y); pen = true; }
      prev = m.sim;
    }
    g.stroke();
  }
  g.restore();
  // current value of each series
  const last = pts[pts.length - 1];
  const parts = [];
  if (last) for (const s of c.series.slice(0, c.series.length > 2 && S.sel.region === 'all' ? 1 : c.series.length))
    parts.push((c.series.length > 1 ? s.label + ' ' : '') + c.fmt(s.get(last)));
  c.now.textContent = parts.join('  ') || '-';
}

// ---------- dependency graph ----------
let graphNodes = new Map();   // "kind:id" -> { id, kind, g, sub }

// Which node an edge end names. Node ids are unique within a kind; an
// entry and a service may share a name (the "console" entry calls the
// "console" service). An edge never ends at an entry; it leaves an entry
// when only an entry has that name, or when it goes to the service of the
// same name.
function edgeEnds(e, has) {
  const to = has('service:' + e.to) ? 'service:' + e.to : has('entry:' + e.to) ? 'entry:' + e.to : null;
  let from = null;
  if (has('entry:' + e.from) && (!has('service:' + e.from) || e.from === e.to)) from = 'entry:' + e.from;
  else if (has('service:' + e.from)) from = 'service:' + e.from;
  return from && to && from !== to ? [from, to] : null;
}

function buildGraph() {
  const root = $('graph');
  root.textContent = '';
  graphNodes = new Map();
  const nodes = S.graph.nodes.filter((n) => n && typeof n.id === 'string');
  if (!nodes.length) return;
  const key = (n) => (n.kind === 'entry' ? 'entry:' : 'service:') + n.id;
  const byKey = new Map(nodes.map((n) => [key(n), n]));
  const edges = S.graph.edges.map((e) => (e ? edgeEnds(e, (k) => byKey.has(k)) : null)).filter(Boolean);
  // depth: breadth-first from the entries; the unreached go last
  const depth = new Map(), out = new Map();
  for (const [a, b] of edges) { if (!out.has(a)) out.set(a, []); out.get(a).push(b); }
  let frontier = [...byKey.keys()].filter((k) => k.startsWith('entry:'));
  if (!frontier.length) frontier = [...byKey.keys()].filter((k) => !edges.some(([, b]) => b === k));
  frontier.forEach((k) => depth.set(k, 0));
  for (let d = 1; frontier.length; d++) {
    const next = [];
    for (const k of frontier) for (const b of out.get(k) || []) if (!depth.has(b)) { depth.set(b, d); next.push(b); }
    frontier = next;
  }
  const maxD = Math.max(0, ...depth.values());
  for (const k of byKey.keys()) if (!depth.has(k)) depth.set(k, maxD + 1);
  const layers = [];
  for (const k of byKey.keys()) (layers[depth.get(k)] = layers[depth.get(k)] || []).push(k);
  // order within a layer: by the mean row of the parents, then by name
  const row = new Map();
  layers.forEach((ks) => {
    if (!ks) return;
    const parentRow = (k) => {
      const rows = edges.filter(([a, b]) => b === k && row.has(a)).map(([a]) => row.get(a));
      return rows.length ? rows.reduce((x, y) => x + y, 0) / rows.length : 1e9;
    };
    ks.sort((a, b) => parentRow(a) - parentRow(b) || a.localeCompare(b));
    ks.forEach((k, i) => row.set(k, i - (ks.length - 1) / 2));
  });
  const NW = 124, NH = 36, DX = 170, DY = 48;
  const tallest = Math.max(...layers.map((l) => (l ? l.length : 0)));
  const VW = layers.length * DX - (DX - NW) + 20, VH = tallest * DY + 30;
  root.setAttribute('viewBox', '0 0 ' + VW + ' ' + VH);
  const pos = new Map();
  for (const k of byKey.keys()) pos.set(k, { x: 10 + depth.get(k) * DX, y: VH / 2 + row.get(k) * DY - NH / 2 });
  const defs = svg('defs');
  const mk = svg('marker', { id: 'arrow', viewBox: '0 0 8 8', refX: '8', refY: '4', markerWidth: '7', markerHeight: '7', orient: 'auto' });
  mk.append(svg('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrow' }));
  defs.append(mk);
  root.append(defs);
  for (const [a, b] of edges) {
    const p = pos.get(a), q = pos.get(b), da = depth.get(a), db = depth.get(b);
    let d, cls = 'edge';
    if (db > da) {              // forward: right side to left side
      const x1 = p.x + NW, y1 = p.y + NH / 2, x2 = q.x, y2 = q.y + NH / 2, mx = (x1 + x2) / 2;
      d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
    } else if (db === da && Math.abs(q.y - p.y) <= DY + 1) {   // neighbours in a layer
      const down = q.y > p.y, x = p.x + NW / 2 + (down ? 12 : -12);
      d = `M${x},${down ? p.y + NH : p.y} L${x},${down ? q.y : q.y + NH}`;
      cls += ' back';
    } else if (db === da) {     // further apart in a layer: an arc on the right
      const x = p.x + NW, y1 = p.y + NH / 2, y2 = q.y + NH / 2;
      d = `M${x},${y1} C${x + 30},${y1} ${x + 30},${y2} ${x},${y2}`;
      cls += ' back';
    } else {                    // backwards: bottom to bottom, arcing under
      const x1 = p.x + NW / 2, y1 = p.y + NH, x2 = q.x + NW / 2, y2 = q.y + NH;
      const dip = Math.max(y1, y2) + 24;
      d = `M${x1},${y1} C${x1},${dip} ${x2},${dip} ${x2},${y2}`;
      cls += ' back';
    }
    root.append(svg('path', { d, class: cls, 'marker-end': 'url(#arrow)' }));
  }
  for (const [k, n] of byKey) {
    const p = pos.get(k);
    const g = svg('g', { class: 'node ' + (n.kind === 'entry' ? 'entry' : 'service'), 'data-id': n.id,
      'data-kind': n.kind === 'entry' ? 'entry' : 'service', 'data-health': 'grey', transform: `translate(${p.x},${p.y})` });
    const title = svg('title'); title.textContent = (n.kind === 'entry' ? 'entry point ' : 'service ') + n.id;
    const name = svg('text', { x: NW / 2, y: 12 }); name.textContent = (n.kind === 'entry' ? '\u25B8 ' : '') + n.id;
    const sub = svg('text', { x: NW / 2, y: 27, class: 'sub' }); sub.textContent = '-';
    g.append(title, svg('rect', { width: NW, height: NH, rx: 5 }), name, sub);
    g.addEventListener('click', () => {
      if (n.kind !== 'entry') return selectService(n.id);
      const first = edges.find(([a]) => a === k);
      if (first) selectService(first[1].slice(first[1].indexOf(':') + 1));
    });
    root.append(g);
    graphNodes.set(k, { id: n.id, kind: n.kind, g, sub });
  }
  updateGraph();
}

function health(avail, rps) {
  if (!num(rps) || rps <= 0 || !num(avail)) return 'grey';
  return avail >= 0.99 ? 'green' : avail >= 0.9 ? 'amber' : 'red';
}

function updateGraph() {
  const last = S.history[S.history.length - 1];
  for (const n of graphNodes.values()) {
    const f = !last ? null : n.kind === 'entry' ? (last.entries && last.entries[n.id]) || null : cell(last, n.id, 'all');
    n.g.setAttribute('data-health', f ? health(f.avail, f.rps) : 'grey');
    n.sub.textContent = f && num(f.rps) ? (f.rps > 0 ? pct(f.avail) + ' \u00b7 ' : '') + rate(f.rps) : '-';
    n.g.classList.toggle('selected', n.kind !== 'entry' && n.id === S.sel.service);
  }
}

// ---------- start ----------
renderAlerts(); renderPages(); renderStatus(); renderPlayers();
if (S.me) $('join-name').value = S.me.name || '';
setConn(false);
window.firedrill = { receive, outbox, state: S };
connect();
})();
