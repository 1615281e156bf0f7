// The daemon's status page (docs/observability.md): plain DOM, no dependencies. Every URL is relative, so the
// page works wherever it is served from: the daemon's TCP listener, a Unix socket forwarded by `ssh -L`, or
// `overseer ui`. On TCP the API wants the bearer token: asked once, kept in sessionStorage (this tab only)
// and sent as an Authorization header, never in a URL. EventSource cannot send headers, so the event and
// log streams are read with fetch.
'use strict';

const POLL_MS = 2000;
const HISTORY = 90; // samples per sparkline: three minutes at POLL_MS
const LOG_LINES = 200;
const LOG_MAX_LINES = LOG_LINES * 5; // kept in the <pre> before it is trimmed back to LOG_LINES
const LOG_MAX_CHARS = 256 * 1024; // output without newlines is capped too, trimmed back to half of it
const EVENTS_KEPT = 200;
const TOKEN_KEY = 'overseer.token';

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  history: new Map(), // "ns/id" -> {cpu: [], mem: [], last: {cpuNs, at}}
  selected: null, // {namespace, id}
  detail: null, // AbortController of the selected task's streams
  refreshing: false,
  again: false,
  logChars: 0, // what the <pre> holds, counted as it is appended: trimmed only when a count passes its limit
  logLines: 0,
};

class Unauthorized extends Error {}

const $ = (id) => document.getElementById(id);

async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  const sent = state.token; // what this request carries: the form may have been submitted again by its answer
  if (sent) {
    headers.set('Authorization', 'Bearer ' + sent);
  }
  const res = await fetch(path, { ...options, headers, cache: 'no-store', credentials: 'same-origin' });
  if (res.status === 401) {
    if (sent && state.token === sent) {
      askToken('the token was refused');
    } else if (!sent && !state.token) {
      askToken(null); // no token was sent: a message the form already shows (a refused one) stays
    }
    throw new Unauthorized();
  }
  return res;
}

/** The form is shown and no token was given yet: nothing to ask the daemon until one is. */
function waitingForToken() {
  return !state.token && !$('token-form').hidden;
}

async function json(path, options) {
  const res = await api(path, options);
  const body = await res.json();
  if (!res.ok) {
    throw new Error(body.message || res.status + ' ' + res.statusText);
  }
  return body;
}

/** Shows the token form; {@code why} replaces its message unless it is null. */
function askToken(why) {
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('token-form').hidden = false;
  if (why !== null) $('token-error').textContent = why;
  setConnection('needs the bearer token', true);
}

function setConnection(text, bad) {
  const c = $('connection');
  c.textContent = text;
  c.classList.toggle('bad', !!bad);
}

// --- the task table ------------------------------------------------------------------------------------

const ACTIONS = ['start', 'stop', 'restart', 'kill', 'pause'];

/** Which buttons a status allows; pause becomes resume on a paused task. */
function allowed(status) {
  switch (status) {
    case 'created': return new Set(['start']);
    case 'running': return new Set(['stop', 'restart', 'kill', 'pause']);
    case 'paused': return new Set(['stop', 'kill', 'resume']);
    case 'stopped': return new Set(['start', 'restart']);
    default: return new Set();
  }
}

function key(t) {
  return t.namespace + '/' + t.id;
}

function taskPath(t, rest) {
  return 'v1/namespaces/' + encodeURIComponent(t.namespace) + '/tasks/' + encodeURIComponent(t.id) + (rest || '');
}

async function refresh() {
  if (waitingForToken()) {
    return; // the poll would only be refused again, and its 401 would be the form's news
  }
  if (state.refreshing) {
    state.again = true; // an event came while a refresh ran: one more once it ends
    return;
  }
  state.refreshing = true;
  try {
    const tasks = await json('v1/tasks');
    $('token-form').hidden = true;
    setConnection('connected · ' + new Date().toLocaleTimeString());
    await Promise.all(tasks.filter((t) => t.status === 'running' || t.status === 'paused').map(sample));
    render(tasks);
  } catch (e) {
    if (!(e instanceof Unauthorized)) {
      setConnection('cannot reach the daemon: ' + e.message, true);
    }
  } finally {
    state.refreshing = false;
    if (state.again) {
      state.again = false;
      refresh();
    }
  }
}

/** One stats sample of a running task: CPU as a share of one core since the last sample, and memory. */
async function sample(t) {
  const h = state.history.get(key(t)) || { cpu: [], mem: [], last: null };
  if (h.last && performance.now() - h.last.at < POLL_MS * 0.9) {
    return; // a refresh an event asked for: the series keep one sample per poll, evenly spaced
  }
  let s;
  try {
    s = await json(taskPath(t, '/stats'));
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
    return; // it stopped meanwhile
  }
  const now = performance.now();
  if (h.last && now > h.last.at && s.cpuUsageNs >= h.last.cpuNs) {
    push(h.cpu, ((s.cpuUsageNs - h.last.cpuNs) / 1e6 / (now - h.last.at)) * 100);
  }
  h.last = { cpuNs: s.cpuUsageNs, at: now };
  push(h.mem, s.memoryUsageBytes);
  state.history.set(key(t), h);
}

function push(series, value) {
  series.push(value);
  if (series.length > HISTORY) series.shift();
}

function render(tasks) {
  const body = document.querySelector('#tasks tbody');
  const seen = new Set();
  tasks.sort((a, b) => key(a).localeCompare(key(b)));
  for (const t of tasks) {
    seen.add(key(t));
    let row = body.querySelector('tr[data-key="' + CSS.escape(key(t)) + '"]');
    if (!row) {
      row = newRow(t);
    }
    body.appendChild(row); // appending an existing row moves it: the order follows the sort
    fill(row, t);
  }
  for (const row of [...body.rows]) {
    if (!seen.has(row.dataset.key)) {
      row.remove();
      state.history.delete(row.dataset.key);
    }
  }
  $('empty').hidden = tasks.length > 0;
}

function newRow(t) {
  const row = document.createElement('tr');
  row.dataset.key = key(t);
  row.dataset.namespace = t.namespace;
  row.dataset.id = t.id;
  for (const c of ['namespace', 'name', 'status', 'uptime', 'restarts', 'exit', 'cpu', 'memory', 'health', 'actions']) {
    const td = document.createElement('td');
    td.className = c;
    row.appendChild(td);
  }
  row.cells[0].textContent = t.namespace;
  const name = document.createElement('button');
  name.type = 'button';
  name.textContent = t.id;
  name.title = 'log and events';
  name.addEventListener('click', () => select(t));
  row.cells[1].appendChild(name);
  row.cells[6].appendChild(metric());
  row.cells[7].appendChild(metric());
  for (const a of ACTIONS) {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.action = a;
    b.textContent = a;
    b.addEventListener('click', () => act(t, b.dataset.action, b));
    row.cells[9].appendChild(b);
  }
  return row;
}

function fill(row, t) {
  const service = t.service || {};
  row.dataset.status = t.status;
  row.classList.toggle('selected', !!state.selected && key(state.selected) === key(t));
  const status = row.querySelector('td.status');
  status.textContent = t.status;
  status.className = 'status status-' + t.status;
  row.querySelector('td.uptime').textContent =
    t.status === 'running' && service.startedAt ? duration(Date.now() - Date.parse(service.startedAt)) : '—';
  row.querySelector('td.restarts').textContent = service.restarts ?? '—';
  row.querySelector('td.exit').textContent = t.exit ? exitText(t.exit) : '—';
  const health = row.querySelector('td.health');
  health.textContent = service.health && service.health !== 'none' ? service.health : '—';
  health.className = 'health health-' + (service.health || 'none');
  const h = state.history.get(key(t));
  const live = t.status === 'running' || t.status === 'paused';
  setMetric(row.querySelector('td.cpu'), live && h ? h.cpu : [], (v) => v.toFixed(1) + '%', 5);
  setMetric(row.querySelector('td.memory'), live && h ? h.mem : [], bytes, 0);
  const can = allowed(t.status);
  for (const b of row.querySelectorAll('td.actions button')) {
    if (b.dataset.action === 'pause' || b.dataset.action === 'resume') {
      b.dataset.action = t.status === 'paused' ? 'resume' : 'pause';
      b.textContent = b.dataset.action;
    }
    b.disabled = !can.has(b.dataset.action) || b.classList.contains('busy');
  }
}

function exitText(e) {
  if (e.signal) return e.signal + ' (' + e.exitCode + ')' + (e.oomKilled ? ' OOM' : '');
  return 'exit ' + e.exitCode;
}

function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's';
  if (s < 86400) return Math.floor(s / 3600) + 'h' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + 'm';
  return Math.floor(s / 86400) + 'd' + Math.floor((s % 86400) / 3600) + 'h';
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

const SVG = 'http://www.w3.org/2000/svg';

function metric() {
  const m = document.createElement('div');
  m.className = 'metric';
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 ' + HISTORY + ' 20');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.appendChild(document.createElementNS(SVG, 'polyline'));
  m.appendChild(svg);
  m.appendChild(document.createElement('span'));
  return m;
}

/** The last value as text and the series as a sparkline, scaled to its own maximum (at least {@code floor}). */
function setMetric(td, series, format, floor) {
  const text = td.querySelector('span');
  const line = td.querySelector('polyline');
  if (series.length === 0) {
    text.textContent = '—';
    line.setAttribute('points', '');
    return;
  }
  text.textContent = format(series[series.length - 1]);
  const max = Math.max(floor, ...series) || 1;
  // across the whole width however many samples there are yet (at most HISTORY: the last three minutes)
  const step = series.length > 1 ? (HISTORY - 1) / (series.length - 1) : 0;
  line.setAttribute('points', series.map((v, i) => (i * step).toFixed(2) + ',' + (19 - (v / max) * 18).toFixed(2)).join(' '));
}

async function act(t, action, button) {
  $('action-error').textContent = '';
  button.classList.add('busy');
  button.disabled = true;
  try {
    await json(taskPath(t, '/' + action), { method: 'POST' });
  } catch (e) {
    if (!(e instanceof Unauthorized)) {
      $('action-error').textContent = action + ' ' + key(t) + ': ' + e.message;
    }
  } finally {
    button.classList.remove('busy');
    refresh();
  }
}

// --- the selected task: its log tail and its events --------------------------------------------------------

function select(t) {
  if (state.detail) state.detail.abort();
  state.selected = { namespace: t.namespace, id: t.id };
  state.detail = new AbortController();
  $('detail').hidden = false;
  $('detail-title').textContent = key(t);
  clearLog($('log'));
  $('events').replaceChildren();
  for (const row of document.querySelectorAll('#tasks tbody tr')) {
    row.classList.toggle('selected', row.dataset.key === key(t));
  }
  followLog(t, state.detail.signal);
  followEvents(t, state.detail.signal);
}

/** The log's last lines, then what is written, for as long as the task runs; followed again when it starts. */
async function followLog(t, signal) {
  const log = $('log');
  const decoder = new TextDecoder();
  while (!signal.aborted) {
    try {
      const res = await api(taskPath(t, '/logs?tail=' + LOG_LINES + '&follow=true'), { signal });
      clearLog(log);
      const reader = res.body.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        appendLog(log, decoder.decode(value, { stream: true }));
      }
    } catch (e) {
      if (signal.aborted || e instanceof Unauthorized) return;
    }
    await until(signal, POLL_MS); // the task stopped: look again, so that a restart's output shows
  }
}

function clearLog(log) {
  log.textContent = '';
  state.logChars = 0;
  state.logLines = 0;
}

function newlines(text) {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * A piece of the log at the end of the <pre>, as a text node (the text before it is not copied again). Only
 * when it holds more than LOG_MAX_LINES lines or LOG_MAX_CHARS characters is it cut back, to its last
 * LOG_LINES lines and at most half of LOG_MAX_CHARS: a flood costs one split in many chunks, not one in each.
 */
function appendLog(log, text) {
  if (!text) return;
  const stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  log.appendChild(document.createTextNode(text));
  state.logChars += text.length;
  state.logLines += newlines(text);
  if (state.logChars > LOG_MAX_CHARS || state.logLines > LOG_MAX_LINES) {
    let kept = log.textContent.slice(-LOG_MAX_CHARS / 2);
    const lines = kept.split('\n');
    if (lines.length > LOG_LINES) kept = lines.slice(-LOG_LINES).join('\n');
    log.textContent = kept;
    state.logChars = kept.length;
    state.logLines = newlines(kept);
  }
  if (stick) log.scrollTop = log.scrollHeight;
}

async function followEvents(t, signal) {
  let since = 0; // the kept events first, then the live ones; on a reconnect, from the last one seen
  while (!signal.aborted) {
    try {
      const res = await api('v1/events?namespace=' + encodeURIComponent(t.namespace) + '&since=' + since, { signal });
      await readEvents(res, (e) => {
        since = Math.max(since, e.sequence || 0);
        const p = e.event || {};
        if (p.container_id === t.id || p.id === t.id || e.topic === '/events/loss') {
          addEvent(e);
        }
      });
    } catch (e) {
      if (signal.aborted || e instanceof Unauthorized) return;
    }
    await until(signal, POLL_MS);
  }
}

function addEvent(e) {
  const list = $('events');
  const li = document.createElement('li');
  li.dataset.topic = e.topic;
  const time = document.createElement('time');
  time.dateTime = e.timestamp;
  time.textContent = new Date(e.timestamp).toLocaleTimeString();
  li.appendChild(time);
  const p = e.event || {};
  let what = e.topic;
  if (p.pid) what += ' pid ' + p.pid;
  if (p.exit) what += ' ' + exitText(p.exit);
  if (p.count) what += ' ' + p.count + ' lost';
  li.appendChild(document.createTextNode(what));
  list.appendChild(li);
  while (list.children.length > EVENTS_KEPT) list.firstChild.remove();
  list.scrollTop = list.scrollHeight;
}

/** Server-Sent Events from a fetch body: "event:" and "data:" lines, a blank line ends each one. */
async function readEvents(res, onEvent) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
      if (data) onEvent(JSON.parse(data));
    }
  }
}

function until(signal, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** Every task event refreshes the table at once (the poll is for the stats and for a lost stream). */
async function watchAll() {
  for (;;) {
    try {
      const res = await api('v1/events?topic=' + encodeURIComponent('/tasks/*'));
      await readEvents(res, () => refresh());
    } catch (e) {
      // refused, or the stream was lost: looked at again after a poll
    }
    do {
      await until(null, POLL_MS);
    } while (waitingForToken()); // the form is shown: no stream until a token is given
  }
}

$('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  state.token = $('token').value.trim();
  sessionStorage.setItem(TOKEN_KEY, state.token);
  $('token').value = '';
  $('token-error').textContent = '';
  refresh();
});

refresh();
setInterval(refresh, POLL_MS);
watchAll();
