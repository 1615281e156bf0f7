// The status page's task table (docs/observability.md): rows, their stats sparklines and action buttons, and
// the event stream that refreshes them. Uses app.js's state and API helpers.
'use strict';

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
