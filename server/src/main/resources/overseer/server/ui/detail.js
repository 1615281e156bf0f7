// The status page's selected task (docs/observability.md): its log tail, followed, and its events. Uses
// app.js's state and API helpers.
'use strict';

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
