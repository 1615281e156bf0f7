// The daemon's status page (docs/observability.md): plain DOM, no dependencies. Every URL is relative, so the
// page works wherever it is served from: the daemon's TCP listener, a Unix socket forwarded by `ssh -L`, or
// `overseer ui`. On TCP the API wants the bearer token: asked once, kept in sessionStorage (this tab only)
// and sent as an Authorization header, never in a URL. EventSource cannot send headers, so the event and
// log streams are read with fetch. This file holds what the page's parts share and starts it; table.js is
// the task table, detail.js the selected task's log and events (loaded after it, deferred, in order).
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

// --- shared by the table (table.js) and the selected task (detail.js) --------------------------------------

function key(t) {
  return t.namespace + '/' + t.id;
}

function taskPath(t, rest) {
  return 'v1/namespaces/' + encodeURIComponent(t.namespace) + '/tasks/' + encodeURIComponent(t.id) + (rest || '');
}

function exitText(e) {
  if (e.signal) return e.signal + ' (' + e.exitCode + ')' + (e.oomKilled ? ' OOM' : '');
  return 'exit ' + e.exitCode;
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

/** Once every script of the page is in (they are deferred, so in order, before DOMContentLoaded). */
function start() {
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
}

document.addEventListener('DOMContentLoaded', start);
