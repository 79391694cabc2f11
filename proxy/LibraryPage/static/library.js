// The gateway's /library page. Plain script, no build step, no third-party code.
// Rules: the key lives in sessionStorage and travels only in the X-API-Key header; every value that came from an
// upstream or a user (names, URLs, messages) is put into the page as text (textContent), never as HTML.
'use strict';

(() => {
  const KEY_STORAGE = 'model-gateway.key';
  const POLL_MS = 500;

  // What the gateway's codes mean, in words (docs/api.md). The code itself is shown beside them.
  const CODE_WORDS = {
    FORMAT_NOT_ALLOWED: 'This file format is not allowed for your key.',
    FILE_TOO_LARGE: 'The file is larger than your key may fetch.',
    UNSAFE_PICKLE_SCAN: 'A pickle scan found code in this file that could run when it is loaded.',
    UNSAFE_VIRUS_SCAN: 'The source\u2019s virus scan flagged this file.',
    MODEL_TYPE_NOT_SUPPORTED: 'This kind of model is not allowed for your key.',
    FORMAT_UNVERIFIED: 'The gateway could not confirm the file\u2019s format from its bytes.',
    SIZE_UNKNOWN: 'No source tells how large the file is.',
    SCAN_PENDING: 'The source has not finished scanning this file.',
    FORMAT_MISMATCH: 'The file\u2019s bytes are another format than the source declares.',
    STALE_METADATA: 'The source did not answer; these facts are from the gateway\u2019s cache.',
    INVALID_URL: 'That is not a URL the gateway can read.',
    INVALID_URL_FORMAT: 'That is not an http(s) URL of a file or model.',
    UNSUPPORTED_SOURCE: 'The gateway does not fetch from this host.',
    INVALID_HOST: 'This host is blocked (a private or local address).',
    UNAUTHORIZED: 'The API key is missing or not known.',
    RATE_LIMITED: 'Too many requests: wait a moment and try again.',
    RESOURCE_NOT_FOUND: 'The source has no such file or model.',
    UNAUTHORIZED_SOURCE: 'The source wants a sign-in for this file.',
    USER_TOKEN_ACCESS_DENIED: 'The source refused the organisation\u2019s token for this file.',
    ACCESS_FORBIDDEN: 'The source refused access to this file.',
    SOURCE_SERVER_ERROR: 'The source had an error; try again later.',
    NETWORK_TIMEOUT: 'The source took too long to answer.',
    CONNECTION_REFUSED: 'The source refused the connection.',
    NETWORK_ERROR: 'The connection to the source failed.',
    METADATA_FETCH_FAILED: 'The source\u2019s answer could not be read.',
    HTTP_ERROR: 'The source answered with an unexpected status.',
    CONTENT_CHANGED: 'The host served other bytes than the ones the gateway inspected.',
    SERVICE_UNAVAILABLE: 'The gateway cannot serve this right now.',
    INTERNAL_ERROR: 'The gateway had an unexpected error.',
    ADMIN_REQUIRED: 'Only admin keys may read this.',
    NOT_FOUND: 'There is no such asset or task (or your key may not see it).',
    integrity_mismatch: 'The bytes did not match the published SHA-256; the transfer was cut off.',
    idle_timeout: 'The host stopped sending; the transfer was cut off.',
    client_aborted: 'The client went away before the end.',
  };

  const $ = (id) => document.getElementById(id);

  const state = {
    key: null,
    keyName: null,
    admin: false,
    facts: null, // the last remote-metadata answer, and the URL it is for
    factsUrl: null,
    polling: null,
    page: 0,
    total: 0,
    folders: null,
  };

  // ---------- small DOM helpers (text only) ----------

  function el(tag, options = {}, children = []) {
    const node = document.createElement(tag);
    if (options.className) node.className = options.className;
    if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
    if (options.title) node.title = String(options.title);
    if (options.label) node.dataset.label = options.label;
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function show(node, visible) { node.hidden = !visible; }

  function setError(node, message) {
    node.textContent = message || '';
    show(node, Boolean(message));
  }

  function words(code) { return CODE_WORDS[code] || null; }

  function bytes(n) {
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return 'unknown';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let value = n;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit++; }
    const digits = unit === 0 ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0;
    return `${value.toFixed(digits)} ${units[unit]}`;
  }

  function duration(seconds) {
    if (!Number.isFinite(seconds) || seconds < 0) return '';
    if (seconds < 1) return 'under a second';
    if (seconds < 60) return `${Math.round(seconds)} s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }

  function when(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return { text: '', title: '' };
    return {
      text: date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
      title: date.toISOString(),
    };
  }

  function hostOf(url) {
    try { return new URL(url).host; } catch { return ''; }
  }

  // ---------- the API: same origin, the key in a header ----------

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message || code || `HTTP ${status}`);
      this.status = status;
      this.code = code;
    }
  }

  async function api(path, init = {}) {
    const headers = new Headers(init.headers || {});
    headers.set('X-API-Key', state.key);
    headers.set('Accept', 'application/json');
    const response = await fetch(path, { ...init, headers, credentials: 'omit', cache: 'no-store' });
    if (response.status === 401) {
      signOut('The key is not accepted any more. Sign in again.');
      throw new ApiError(401, 'UNAUTHORIZED', words('UNAUTHORIZED'));
    }
    return response;
  }

  async function json(response) {
    const text = await response.text();
    if (!text) return null;
    try { return JSON.parse(text); } catch { return null; }
  }

  async function failure(response) {
    const body = await json(response);
    const code = body && typeof body.code === 'string' ? body.code : null;
    const message = body && typeof body.message === 'string' ? body.message : `The gateway answered ${response.status}.`;
    return new ApiError(response.status, code, message);
  }

  function explain(error) {
    if (!(error instanceof ApiError)) return 'The gateway could not be reached.';
    const meaning = error.code ? words(error.code) : null;
    return meaning ? `${meaning} (${error.code}: ${error.message})` : error.message;
  }

  // ---------- sign in ----------

  async function signIn(key) {
    state.key = key;
    const response = await fetch('/api/assets/policy', {
      headers: { 'X-API-Key': key, Accept: 'application/json' }, credentials: 'omit', cache: 'no-store',
    });
    if (!response.ok) {
      state.key = null;
      throw await failure(response);
    }
    const policy = await json(response);
    sessionStorage.setItem(KEY_STORAGE, key);
    state.keyName = policy && policy.key_name;
    const probe = await api('/api/admin/decisions?limit=1');
    state.admin = probe.ok;
    $('who-name').textContent = state.keyName || '';
    show($('who-admin'), state.admin);
    show($('tab-decisions'), state.admin);
    show($('who'), true);
    show($('sign-in'), false);
    show($('app'), true);
    renderPolicy(policy);
    selectTab('import', false);
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY_STORAGE);
    stopPolling();
    state.key = null;
    state.keyName = null;
    state.admin = false;
    state.folders = null;
    show($('app'), false);
    show($('who'), false);
    show($('sign-in'), true);
    setError($('sign-in-error'), message || '');
    $('key-input').value = '';
    $('key-input').focus();
  }

  // ---------- tabs (arrow keys move between them, as ARIA's tab pattern says) ----------

  const TABS = ['import', 'library', 'decisions', 'policy'];

  function visibleTabs() { return TABS.filter((name) => !$(`tab-${name}`).hidden); }

  function selectTab(name, focus = true) {
    for (const tab of TABS) {
      const selected = tab === name;
      const button = $(`tab-${tab}`);
      button.setAttribute('aria-selected', String(selected));
      button.tabIndex = selected ? 0 : -1;
      show($(`panel-${tab}`), selected);
    }
    if (focus) $(`tab-${name}`).focus();
    if (name === 'library') loadLibrary();
    if (name === 'decisions') loadDecisions();
    if (name === 'policy') loadPolicy();
  }

  function onTabKey(event) {
    const tabs = visibleTabs();
    const current = tabs.indexOf(event.target.id.replace('tab-', ''));
    let next = null;
    if (event.key === 'ArrowRight') next = tabs[(current + 1) % tabs.length];
    else if (event.key === 'ArrowLeft') next = tabs[(current - 1 + tabs.length) % tabs.length];
    else if (event.key === 'Home') next = tabs[0];
    else if (event.key === 'End') next = tabs[tabs.length - 1];
    if (next) {
      event.preventDefault();
      selectTab(next);
    }
  }

  // ---------- import: check, then import with progress ----------

  async function check(url) {
    stopPolling();
    show($('task'), false);
    show($('facts'), false);
    setError($('check-error'), '');
    $('check-button').disabled = true;
    try {
      const response = await api(`/api/assets/remote-metadata?url=${encodeURIComponent(url)}`);
      if (!response.ok) throw await failure(response);
      state.facts = await json(response);
      state.factsUrl = url;
      renderFacts(state.facts, url);
    } catch (error) {
      setError($('check-error'), explain(error));
    } finally {
      $('check-button').disabled = false;
    }
  }

  function reasonItem(entry) {
    const code = entry && typeof entry.code === 'string' ? entry.code : 'UNKNOWN';
    const title = el('span', { className: 'reason-title', text: words(code) || code });
    title.append(el('span', { className: 'reason-code', text: code }));
    const message = entry && typeof entry.message === 'string' ? entry.message : '';
    return el('li', {}, [title, message ? el('span', { className: 'reason-detail', text: message }) : null]);
  }

  function folderOf(facts) {
    const tags = Array.isArray(facts.tags) ? facts.tags.filter((t) => typeof t === 'string') : [];
    return tags.find((t) => t !== 'models') || null;
  }

  function renderFacts(facts, url) {
    const validation = facts.validation || { is_valid: true, errors: [], warnings: [] };
    const valid = validation.is_valid !== false;
    $('facts-name').textContent = facts.name || facts.filename || 'Unnamed file';
    $('facts-filename').textContent = facts.filename || '';
    $('facts-size').textContent = typeof facts.content_length === 'number' && facts.content_length >= 0
      ? `${bytes(facts.content_length)} (${facts.content_length.toLocaleString()} bytes)` : 'unknown';
    $('facts-format').textContent = facts.format || 'unknown';
    $('facts-folder').textContent = folderOf(facts) || 'none';
    $('facts-host').textContent = hostOf(facts.final_url || url) || hostOf(url);
    $('facts-sha').textContent = facts.sha256 || 'not published';

    const verdict = $('facts-verdict');
    verdict.textContent = valid ? 'Allowed' : 'Refused';
    verdict.className = `badge ${valid ? 'badge-ok' : 'badge-bad'}`;

    $('facts-errors').replaceChildren(...(validation.errors || []).map(reasonItem));
    $('facts-warnings').replaceChildren(...(validation.warnings || []).map(reasonItem));

    const preview = $('facts-preview');
    preview.replaceChildren();
    // Only an inline image (what remote-metadata sends) is shown: never a URL the page would fetch from elsewhere.
    const image = typeof facts.preview_image === 'string' && /^data:image\/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/=]+$/.test(facts.preview_image)
      ? facts.preview_image : null;
    if (image) {
      const img = el('img');
      img.alt = `Preview of ${facts.name || facts.filename || 'the model'}`;
      img.src = image;
      preview.append(img);
    }
    show(preview, Boolean(image));
    $('facts').classList.toggle('no-preview', !image);

    const button = $('import-button');
    button.disabled = !valid;
    button.textContent = valid ? 'Import' : 'Refused by policy';
    show($('facts'), true);
  }

  async function startImport() {
    const facts = state.facts;
    const url = state.factsUrl;
    if (!facts || !url) return;
    const folder = folderOf(facts);
    const body = {
      source_url: url,
      tags: folder ? ['models', folder] : ['models'],
      user_metadata: { source: 'library-page', source_url: url, model_type: folder || undefined, filename: facts.filename || undefined },
    };
    $('import-button').disabled = true;
    setError($('task-error'), '');
    show($('task-done'), false);
    resetProgress(facts.name || facts.filename || 'the file');
    show($('task'), true);
    try {
      const response = await api('/api/assets/download', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
      if (response.status === 202) {
        const started = await json(response);
        poll(started.task_id, facts.content_length);
      } else if (response.ok) {
        // The library already held these bytes: the asset exists at once.
        finishProgress(facts.content_length);
        state.folders = null;
      } else {
        throw await failure(response);
      }
    } catch (error) {
      failProgress(explain(error));
    } finally {
      $('import-button').disabled = !(facts.validation && facts.validation.is_valid !== false);
    }
  }

  function resetProgress(name) {
    $('task-title').textContent = `Importing ${name}`;
    const bar = $('task-progress');
    bar.value = 0;
    bar.classList.remove('done');
    setStatus('Queued', '');
    $('task-percent').textContent = '0 %';
    $('task-bytes').textContent = '';
    $('task-rate').textContent = '';
    $('task-eta').textContent = '';
  }

  function setStatus(text, kind) {
    const badge = $('task-status');
    badge.textContent = text;
    badge.className = `badge ${kind}`;
  }

  function stopPolling() {
    if (state.polling) clearTimeout(state.polling.timer);
    state.polling = null;
  }

  // Polled gently: the key's rate limit counts these requests too (every 0.5 s at first, slower as the import goes on,
  // and after Retry-After when the limit is reached).
  function pollDelay(started) { return Math.min(5000, POLL_MS + (performance.now() - started) / 20); }

  function poll(taskId, total) {
    stopPolling();
    const polling = { taskId, total: typeof total === 'number' && total > 0 ? total : null, samples: [], timer: null, started: performance.now() };
    state.polling = polling;
    const tick = async () => {
      if (state.polling !== polling) return;
      let delay = pollDelay(polling.started);
      try {
        const response = await api(`/api/tasks/${encodeURIComponent(taskId)}/progress`);
        if (response.status === 429) {
          delay = Math.max(delay, (Number(response.headers.get('Retry-After')) || 5) * 1000);
        } else {
          if (!response.ok) throw await failure(response);
          const task = await json(response);
          if (state.polling !== polling) return;
          const done = numberOr(task.bytes_downloaded, null);
          if (task.status === 'completed') {
            finishProgress(numberOr(done, polling.total));
            stopPolling();
            return;
          }
          if (task.status === 'failed' || task.status === 'cancelled') {
            failProgress(taskFailure(task));
            stopPolling();
            return;
          }
          updateProgress(polling, done, task.status);
        }
      } catch (error) {
        if (state.polling !== polling) return;
        failProgress(explain(error));
        stopPolling();
        return;
      }
      polling.timer = setTimeout(tick, delay);
    };
    setStatus('Queued', '');
    tick();
  }

  function numberOr(value, fallback) { return typeof value === 'number' && Number.isFinite(value) ? value : fallback; }

  function updateProgress(polling, done, status) {
    setStatus(status === 'running' ? 'Downloading' : 'Queued', '');
    if (done === null || (done === 0 && status !== 'running')) return;
    const now = performance.now();
    polling.samples.push({ t: now, b: done });
    while (polling.samples.length > 2 && now - polling.samples[0].t > 5000) polling.samples.shift();
    const first = polling.samples[0];
    const seconds = (now - first.t) / 1000;
    const rate = seconds > 0.2 ? (done - first.b) / seconds : null;
    const bar = $('task-progress');
    if (polling.total) {
      const percent = Math.min(99, Math.floor((done / polling.total) * 100));
      bar.value = percent;
      $('task-percent').textContent = `${percent} %`;
      $('task-bytes').textContent = `${bytes(done)} of ${bytes(polling.total)}`;
      $('task-eta').textContent = rate && rate > 0 ? `about ${duration((polling.total - done) / rate)} left` : '';
    } else {
      bar.removeAttribute('value');
      $('task-percent').textContent = '';
      $('task-bytes').textContent = `${bytes(done)} so far`;
    }
    $('task-rate').textContent = rate && rate > 0 ? `${bytes(rate)}/s` : '';
  }

  function finishProgress(total) {
    const bar = $('task-progress');
    bar.value = 100;
    bar.classList.add('done');
    $('task-percent').textContent = '100 %';
    $('task-bytes').textContent = typeof total === 'number' && total >= 0 ? bytes(total) : '';
    $('task-rate').textContent = '';
    $('task-eta').textContent = '';
    setStatus('Completed', 'badge-ok');
    show($('task-done'), true);
    state.folders = null;
  }

  function failProgress(message) {
    setStatus('Failed', 'badge-bad');
    setError($('task-error'), message);
  }

  // A task's error_message is "CODE: message"; say the code in words too.
  function taskFailure(task) {
    const message = typeof task.error_message === 'string' ? task.error_message
      : task.result && typeof task.result.error === 'string' ? task.result.error : `The import ${task.status}.`;
    const match = /^([A-Z_]+):\s*(.*)$/s.exec(message);
    if (match && words(match[1])) return `${words(match[1])} (${match[1]}: ${match[2]})`;
    return message;
  }

  // ---------- library ----------

  async function loadFolders() {
    if (state.folders) return;
    try {
      const response = await api('/api/tags?limit=500');
      if (!response.ok) return;
      const body = await json(response);
      const names = (body && Array.isArray(body.tags) ? body.tags : [])
        .map((t) => t && t.name).filter((n) => typeof n === 'string' && n !== 'models' && n !== 'preview').sort();
      state.folders = names;
      const select = $('filter-folder');
      const chosen = select.value;
      select.replaceChildren(el('option', { text: 'All folders' }));
      select.firstChild.value = '';
      for (const name of names) {
        const option = el('option', { text: name });
        option.value = name;
        select.append(option);
      }
      select.value = names.includes(chosen) ? chosen : '';
    } catch {
      // the folder list is a convenience: the listing still works without it
    }
  }

  async function loadLibrary() {
    await loadFolders();
    const size = Number($('filter-size').value) || 25;
    const [sort, order] = $('filter-sort').value.split(':');
    const params = new URLSearchParams({ limit: String(size), offset: String(state.page * size), sort, order });
    const folder = $('filter-folder').value;
    params.set('include_tags', folder ? `models,${folder}` : 'models');
    const name = $('filter-name').value.trim();
    if (name) params.set('name_contains', name);
    setError($('library-error'), '');
    try {
      const response = await api(`/api/assets?${params}`);
      if (!response.ok) throw await failure(response);
      const body = await json(response);
      const assets = Array.isArray(body.assets) ? body.assets : [];
      state.total = typeof body.total === 'number' ? body.total : assets.length;
      renderLibrary(assets, size, Boolean(body.has_more));
    } catch (error) {
      setError($('library-error'), explain(error));
    }
  }

  function renderLibrary(assets, size, hasMore) {
    const rows = assets.map((asset) => {
      const tags = Array.isArray(asset.tags) ? asset.tags.filter((t) => typeof t === 'string' && t !== 'models') : [];
      const meta = asset.user_metadata && typeof asset.user_metadata === 'object' ? asset.user_metadata : {};
      const source = typeof asset.source_url === 'string' ? asset.source_url : typeof meta.source_url === 'string' ? meta.source_url : '';
      const nameCell = el('td', { className: 'name', label: 'Name' }, [
        document.createTextNode(asset.name || ''),
        source ? el('span', { className: 'sub', text: hostOf(source), title: hostOf(source) }) : null,
      ]);
      const hash = typeof asset.asset_hash === 'string' ? asset.asset_hash.replace(/^sha256:/, '') : '';
      const created = when(asset.created_at);
      const by = typeof asset.created_by === 'string' ? asset.created_by : '';
      const download = el('button', { className: 'button button-quiet button-small', text: 'Download' });
      download.type = 'button';
      download.setAttribute('aria-label', `Download ${asset.name || ''}`);
      download.addEventListener('click', () => downloadAsset(asset, download));
      const remove = el('button', { className: 'button button-danger button-small', text: 'Delete' });
      remove.type = 'button';
      remove.setAttribute('aria-label', `Delete ${asset.name || ''}`);
      remove.addEventListener('click', () => deleteAsset(asset, remove));
      return el('tr', {}, [
        nameCell,
        el('td', { label: 'Folder' }, tags.length ? tags.map((t) => el('span', { className: 'chip', text: t })) : [document.createTextNode('—')]),
        el('td', { className: 'num', label: 'Size', text: bytes(asset.size), title: `${asset.size} bytes` }),
        el('td', { className: 'mono hash', label: 'SHA-256', text: hash ? `${hash.slice(0, 12)}…` : '—', title: hash }),
        el('td', { className: 'by', label: 'Imported by', text: by || '—' }),
        el('td', { className: 'when', label: 'Imported', text: created.text, title: created.title }),
        el('td', { label: 'Actions' }, [el('div', { className: 'row-actions' }, [download, remove])]),
      ]);
    });
    $('library-rows').replaceChildren(...rows);
    // "Imported by" only when the listing says who (Cloud's Asset has no such field; the gateway adds created_by).
    $('library-table').classList.toggle('no-by', !assets.some((a) => typeof a.created_by === 'string'));
    show($('library-table'), rows.length > 0);
    show($('library-empty'), rows.length === 0);
    const pages = Math.max(1, Math.ceil(state.total / size));
    $('page-info').textContent = `Page ${state.page + 1} of ${pages} · ${state.total} model${state.total === 1 ? '' : 's'}`;
    $('page-prev').disabled = state.page === 0;
    $('page-next').disabled = !hasMore;
    show($('library-pager'), state.total > 0);
  }

  // The content is fetched with the key header and handed to the browser as a local file: no URL ever holds the key.
  async function downloadAsset(asset, button) {
    button.disabled = true;
    const label = button.textContent;
    button.textContent = 'Fetching…';
    try {
      const response = await api(`/api/assets/${encodeURIComponent(asset.id)}/content`, { headers: { Accept: '*/*' } });
      if (!response.ok) throw await failure(response);
      const blob = await response.blob();
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = asset.name || 'model';
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 60000);
    } catch (error) {
      setError($('library-error'), explain(error));
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  }

  async function deleteAsset(asset, button) {
    if (!window.confirm(`Delete "${asset.name}" from the library?`)) return;
    button.disabled = true;
    try {
      const response = await api(`/api/assets/${encodeURIComponent(asset.id)}`, { method: 'DELETE' });
      if (!response.ok && response.status !== 404) throw await failure(response);
      state.folders = null;
      await loadLibrary();
    } catch (error) {
      setError($('library-error'), explain(error));
      button.disabled = false;
    }
  }

  // ---------- decisions (admin keys) ----------

  const OUTCOME_BADGES = { allowed: ['Allowed', 'badge-ok'], refused: ['Refused', 'badge-bad'], failed: ['Failed', 'badge-warn'] };

  async function loadDecisions() {
    const params = new URLSearchParams({ limit: '200' });
    const key = $('decision-key').value.trim();
    const outcome = $('decision-outcome').value;
    if (key) params.set('key', key);
    if (outcome) params.set('outcome', outcome);
    setError($('decisions-error'), '');
    try {
      const response = await api(`/api/admin/decisions?${params}`);
      if (!response.ok) throw await failure(response);
      const body = await json(response);
      renderDecisions(Array.isArray(body.events) ? body.events : [], body.scope);
    } catch (error) {
      setError($('decisions-error'), explain(error));
    }
  }

  function renderDecisions(events, scope) {
    const count = `${events.length} most recent decision${events.length === 1 ? '' : 's'}`;
    $('decisions-scope').textContent = scope === 'shared'
      ? `${count} of every replica, newest first.`
      : `${count} of this replica, newest first (kept in its memory: Redis is not configured or not reachable).`;
    const rows = events.map((e) => {
      const at = when(e.time);
      const [text, kind] = OUTCOME_BADGES[e.outcome] || [String(e.outcome || ''), ''];
      const codes = Array.isArray(e.codes) ? e.codes.filter((c) => typeof c === 'string') : [];
      const why = el('td', { className: 'codes', label: 'Why' });
      if (codes.length === 0) why.append(document.createTextNode('—'));
      for (const code of codes) {
        why.append(el('span', { className: 'code', text: code }));
        const meaning = words(code);
        if (meaning) why.append(el('span', { className: 'words', text: meaning }));
      }
      const whatText = [e.kind === 'metadata' ? 'Check' : e.kind === 'download' ? 'Download' : e.kind === 'rate_limit' ? 'Rate limit' : e.kind]
        .filter(Boolean).join('');
      const what = el('td', { label: 'What' }, [
        document.createTextNode(whatText),
        el('span', { className: 'sub', text: typeof e.host === 'string' && e.host ? e.host : (e.route || '') }),
      ]);
      return el('tr', {}, [
        el('td', { className: 'when', label: 'When', text: at.text, title: at.title }),
        el('td', { className: 'name', label: 'Key' }, [
          document.createTextNode(e.key_name || ''),
          e.profile ? el('span', { className: 'sub', text: `profile ${e.profile}` }) : null,
        ]),
        what,
        el('td', { label: 'Outcome' }, [el('span', { className: `badge ${kind}`, text })]),
        why,
        el('td', { label: 'Cache', text: e.cache_status || '—' }),
        el('td', { className: 'num', label: 'Bytes', text: typeof e.bytes === 'number' ? bytes(e.bytes) : '—' }),
        el('td', { className: 'num', label: 'Time', text: typeof e.duration_ms === 'number' ? `${e.duration_ms} ms` : '' }),
      ]);
    });
    $('decisions-rows').replaceChildren(...rows);
    show($('decisions-table'), rows.length > 0);
    show($('decisions-empty'), rows.length === 0);
  }

  // ---------- policy in words ----------

  async function loadPolicy() {
    try {
      const response = await api('/api/assets/policy');
      if (response.ok) renderPolicy(await json(response));
    } catch {
      // shown as it was at sign-in
    }
  }

  function list(items) {
    return items.length === 1 ? items[0] : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
  }

  function renderPolicy(policy) {
    if (!policy) return;
    const strings = (value) => (Array.isArray(value) ? value.filter((v) => typeof v === 'string') : []);
    const formats = strings(policy.allowed_formats);
    const allowedHosts = strings(policy.allowed_hosts);
    const blockedHosts = strings(policy.blocked_hosts);
    const types = strings(policy.allowed_model_types);
    const items = [
      ['Key', `${policy.key_name || ''}${policy.profile ? `, judged by the “${policy.profile}” profile` : ', judged by the base policy'}.`],
      ['Formats', formats.length ? `Only ${list(formats)} files.` : 'Any file format.'],
      ['Size', policy.max_size_bytes > 0 ? `Files up to ${bytes(policy.max_size_bytes)}.` : 'No size limit.'],
      ['Hosts', allowedHosts.length ? `Only from ${list(allowedHosts)}.` : 'From any public host the gateway knows.'],
      ['Blocked', blockedHosts.length ? `Never from ${list(blockedHosts)}.` : 'No host is blocked by name.'],
      ['Model types', types.length ? `Only models for ${list(types)}.` : 'Any kind of model.'],
      ['Unverified content', policy.unverified_content === 'Deny'
        ? 'A file whose format cannot be confirmed from its bytes is refused.'
        : 'A file whose format cannot be confirmed from its bytes is allowed, with a warning.'],
      ['Unknown size', policy.unknown_size === 'Deny'
        ? 'A file whose size no source tells is refused.'
        : 'A file whose size no source tells is allowed, with a warning.'],
    ];
    if (policy.rate_limit && typeof policy.rate_limit.limit === 'number') {
      const window = policy.rate_limit.window_seconds;
      const per = window === 60 ? 'minute' : window === 3600 ? 'hour' : window === 1 ? 'second' : `${window} seconds`;
      items.push(['Rate limit', `${policy.rate_limit.limit.toLocaleString()} requests per ${per}.`]);
    }
    $('policy-list').replaceChildren(...items.map(([title, text]) =>
      el('li', {}, [el('strong', { text: title }), el('span', { text })])));
  }

  // ---------- wiring ----------

  function init() {
    $('sign-in-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const key = $('key-input').value.trim();
      if (!key) {
        setError($('sign-in-error'), 'Enter your API key.');
        return;
      }
      $('sign-in-button').disabled = true;
      setError($('sign-in-error'), '');
      try {
        await signIn(key);
        $('url-input').focus();
      } catch (error) {
        setError($('sign-in-error'), error instanceof ApiError && error.status === 401 ? 'That key is not known to the gateway.' : explain(error));
      } finally {
        $('sign-in-button').disabled = false;
      }
    });
    $('sign-out').addEventListener('click', () => signOut(''));
    for (const name of TABS) {
      const tab = $(`tab-${name}`);
      tab.addEventListener('click', () => selectTab(name));
      tab.addEventListener('keydown', onTabKey);
    }
    $('check-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const url = $('url-input').value.trim();
      if (!url) {
        setError($('check-error'), 'Paste the URL of a model file first.');
        return;
      }
      check(url);
    });
    $('import-button').addEventListener('click', startImport);
    $('task-open-library').addEventListener('click', () => selectTab('library'));
    $('library-filters').addEventListener('submit', (event) => event.preventDefault());
    let typing = null;
    $('filter-name').addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(() => { state.page = 0; loadLibrary(); }, 300);
    });
    for (const id of ['filter-folder', 'filter-sort', 'filter-size']) {
      $(id).addEventListener('change', () => { state.page = 0; loadLibrary(); });
    }
    $('page-prev').addEventListener('click', () => { state.page = Math.max(0, state.page - 1); loadLibrary(); });
    $('page-next').addEventListener('click', () => { state.page += 1; loadLibrary(); });
    $('decision-filters').addEventListener('submit', (event) => {
      event.preventDefault();
      loadDecisions();
    });
    $('decision-outcome').addEventListener('change', loadDecisions);

    const saved = sessionStorage.getItem(KEY_STORAGE);
    if (saved) {
      signIn(saved).catch(() => signOut('Sign in again.'));
    } else {
      $('key-input').focus();
    }
  }

  init();
})();
