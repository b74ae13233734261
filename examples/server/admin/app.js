/*
 * The admin dashboard. The token lives in `token` below and nowhere else
 * (no cookie, no localStorage/sessionStorage): a reload signs out. Every
 * read and action is an ordinary API call with that token, so the API alone
 * decides what a role may see or do; refusals are shown as the API gave them.
 * Data is put on the page with textContent only, never as HTML.
 */
'use strict';
(function () {
  let token = null;
  let overviewTimer = null;
  let previousScrape = null;
  const pages = [];          // cursors of the list pages shown so far
  const $ = (id) => document.getElementById(id);

  // ---- the API --------------------------------------------------------------

  /** {status, body}; body is parsed JSON (or text for /metrics). */
  async function api(method, path, auth = true) {
    const headers = {};
    if (auth) headers.Authorization = 'Bearer ' + token;
    if (method !== 'GET') headers['Idempotency-Key'] = crypto.randomUUID();
    const r = await fetch(path, { method, headers, cache: 'no-store', credentials: 'omit' });
    const text = await r.text();
    let body = text;
    if ((r.headers.get('Content-Type') || '').startsWith('application/json')) {
      try { body = JSON.parse(text); } catch (e) { body = text; }
    }
    return { status: r.status, body };
  }

  function apiError(res) {
    const e = res.body && res.body.error;
    return 'HTTP ' + res.status + (e ? ' ' + e.code + ': ' + e.message : '');
  }

  // ---- small DOM helpers ----------------------------------------------------

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function show(target, text, isError) {
    target.textContent = text;
    target.hidden = !text;
    if (isError !== undefined) target.className = isError ? 'error' : 'notice';
  }

  /** A table of records (array of objects) or of one record's fields. */
  function table(rows, columns) {
    const t = el('table');
    const head = el('tr');
    columns.forEach((c) => head.appendChild(el('th', c)));
    t.appendChild(head);
    rows.forEach((row) => {
      const tr = el('tr');
      columns.forEach((c) => {
        const v = row[c];
        tr.appendChild(el('td', v === null || v === undefined ? '' : (typeof v === 'object' ? JSON.stringify(v) : v)));
      });
      t.appendChild(tr);
    });
    return t;
  }

  function record(title, obj) {
    const box = el('div');
    box.appendChild(el('h4', title));
    const rows = Object.keys(obj).filter((k) => typeof obj[k] !== 'object' || obj[k] === null)
      .map((k) => ({ field: k, value: obj[k] }));
    box.appendChild(table(rows, ['field', 'value']));
    return box;
  }

  function badge(ok) {
    return el('span', ok ? 'OK' : 'BROKEN', 'badge ' + (ok ? 'ok' : 'broken'));
  }

  // ---- sign-in --------------------------------------------------------------

  /** The token's claims, for display only (the server verifies the token on every call). */
  function claimsOf(t) {
    try {
      const part = t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(atob(part));
    } catch (e) {
      return null;
    }
  }

  async function signIn(ev) {
    ev.preventDefault();
    const candidate = $('token').value.trim();
    $('token').value = '';
    const claims = claimsOf(candidate);
    if (!claims) {
      show($('sign-in-error'), 'That is not a JWT.', true);
      return;
    }
    token = candidate;
    const res = await api('GET', '/v1/orders?limit=1');
    if (res.status === 401) {
      token = null;
      show($('sign-in-error'), 'The server refused the token: ' + apiError(res), true);
      return;
    }
    show($('sign-in-error'), '');
    $('who').textContent = claims.sub + ' (' + (claims.roles || []).join(', ') + ')';
    $('sign-in').hidden = true;
    $('app').hidden = false;
    $('sign-out').hidden = false;
    switchView('overview');
  }

  function signOut() {
    token = null;
    stopOverview();
    $('who').textContent = '';
    $('app').hidden = true;
    $('sign-out').hidden = true;
    $('sign-in').hidden = false;
    ['search-result', 'list-result', 'ledger-result', 'audit-result'].forEach((id) => $(id).replaceChildren());
  }

  function switchView(name) {
    document.querySelectorAll('.view').forEach((v) => { v.hidden = v.id !== 'view-' + name; });
    document.querySelectorAll('nav button').forEach((b) => b.classList.toggle('active', b.dataset.view === name));
    if (name === 'overview') startOverview(); else stopOverview();
  }

  // ---- overview: /metrics and /readyz, every 2 s ----------------------------

  /** Prometheus text -> {"name{labels}": value}. */
  function parseMetrics(text) {
    const out = {};
    text.split('\n').forEach((line) => {
      if (!line || line[0] === '#') return;
      const i = line.lastIndexOf(' ');
      out[line.slice(0, i)] = Number(line.slice(i + 1));
    });
    return out;
  }

  function sumWhere(m, name, test) {
    let s = 0;
    Object.keys(m).forEach((k) => { if ((k === name || k.startsWith(name + '{')) && test(k)) s += m[k]; });
    return s;
  }

  const fmt = (x, digits) => (Number.isFinite(x) ? x.toFixed(digits) : '–');

  function renderOverview(m, ready, at) {
    const p = previousScrape;
    const dt = p ? (at - p.at) / 1000 : 0;
    const rate = (now, before) => (p && dt > 0 ? Math.max(0, now - before) / dt : NaN);
    const get = (k) => m[k] || 0;
    const ok = get('w3w_commands_total{outcome="ok"}');
    const refused = get('w3w_commands_total{outcome="refused"}');
    const supplies = get('w3w_http_requests_total{method="POST",route="/v1/supplies",status="201"}');
    $('m-cmd-ok').textContent = fmt(rate(ok, p && p.ok), 1);
    $('m-cmd-refused').textContent = fmt(rate(refused, p && p.refused), 1);
    $('m-supply-rate').textContent = fmt(rate(supplies, p && p.supplies), 2);

    const won = get('w3w_claims_total{outcome="won"}');
    const lost = get('w3w_claims_total{outcome="lost"}');
    const short = get('w3w_claims_total{outcome="insufficient_supply"}');
    const claims = won + lost + short;
    $('m-claim-rate').textContent = claims ? fmt(100 * won / claims, 1) + ' %' : '–';
    $('m-claim-counts').textContent = won + ' won, ' + lost + ' lost, ' + short + ' no supply (since start)';

    const proc = 'w3w_library_call_duration_seconds_%s{method="POST",route="/v1/claims/{id}/process"}';
    const pc = get(proc.replace('%s', 'count'));
    $('m-process-time').textContent = pc ? fmt(1000 * get(proc.replace('%s', 'sum')) / pc, 2) + ' ms' : '–';
    $('m-cache').textContent = fmt(100 * get('w3w_cache_hit_ratio'), 1) + ' %';
    const commands = ok + refused;
    $('m-storage').textContent = commands ? fmt(1000 * get('w3w_storage_command_seconds_total') / commands, 2) + ' ms' : '–';
    $('m-backlog').textContent = String(get('w3w_outbox_pending')) + ' events';
    $('m-lag').textContent = fmt(get('w3w_outbox_relay_lag_seconds'), 3) + ' s';
    $('m-ready').textContent = ready.status === 200 ? 'ready' : 'not ready';
    $('m-ready-detail').textContent = ready.status === 200
      ? 'storage ' + ready.body.storage + ', cache ' + ready.body.cache + ', events ' + ready.body.events
      : apiError(ready);
    $('overview-updated').textContent = 'updated ' + new Date(at).toLocaleTimeString();
    previousScrape = { at, ok, refused, supplies };
  }

  async function refreshOverview() {
    try {
      const [metrics, ready] = await Promise.all([api('GET', '/metrics', false), api('GET', '/readyz', false)]);
      if (metrics.status !== 200) {
        show($('overview-error'), '/metrics: ' + apiError(metrics) +
          ' (with --metrics-listen the metrics are on their own port, which this page does not reach)', true);
        return;
      }
      show($('overview-error'), '');
      renderOverview(parseMetrics(metrics.body), ready, Date.now());
    } catch (e) {
      show($('overview-error'), 'the server did not answer: ' + e.message, true);
    }
  }

  function startOverview() {
    stopOverview();
    previousScrape = null;
    refreshOverview();
    overviewTimer = setInterval(refreshOverview, 2000);
  }

  function stopOverview() {
    if (overviewTimer) clearInterval(overviewTimer);
    overviewTimer = null;
  }

  // ---- search ---------------------------------------------------------------

  /** Append one read to `box`: the record(s), or the API's refusal. Returns the body when 200. */
  async function section(box, title, path, render) {
    const res = await api('GET', path);
    if (res.status !== 200) {
      box.appendChild(el('h4', title));
      box.appendChild(el('p', apiError(res), res.status === 404 ? 'notice' : 'error'));
      return null;
    }
    box.appendChild(render ? render(res.body) : record(title, res.body));
    return res.body;
  }

  const listOf = (title, columns) => (body) => {
    const box = el('div');
    const rows = Array.isArray(body) ? body : body.items;
    box.appendChild(el('h4', title + ' (' + rows.length + ')'));
    box.appendChild(table(rows, columns));
    return box;
  };

  const ORDER_COLUMNS = ['id', 'user_id', 'currency', 'amount', 'status', 'created_at'];
  const AUDIT_COLUMNS = ['chain_pos', 'created_at', 'action', 'outcome', 'actor_id', 'target_id', 'trace_id'];

  /** The trace id of an event payload's traceparent ("00-<trace>-<span>-<flags>"), '' when none. */
  const traceOf = (payload) => ((payload && payload.traceparent) || '').split('-')[1] || '';
  const CLAIM_COLUMNS = ['id', 'order_id', 'user_id', 'supply_id', 'status', 'claimed_at', 'processed_at', 'released_at'];

  async function search(ev) {
    ev.preventDefault();
    const kind = $('search-kind').value;
    const id = encodeURIComponent($('search-id').value.trim());
    const box = $('search-result');
    box.replaceChildren();
    if (kind === 'order') {
      const order = await section(box, 'Order', '/v1/orders/' + id);
      if (!order) return;
      box.appendChild(listOf('Items', ['product_id', 'product_name', 'price', 'quantity'])(order.items));
      const held = order.status === 'open' || order.status === 'claimed';
      box.appendChild(record('Escrow hold', { amount: order.amount, currency: order.currency,
        state: held ? 'held from the buyer' : (order.status === 'completed' ? 'paid to the shopper' : 'released') }));
      await section(box, 'Live claim', '/v1/orders/' + id + '/claim');
      await section(box, 'Buyer\'s accounts', '/v1/accounts?user_id=' + order.user_id,
        listOf('Buyer\'s accounts', ['currency', 'balance', 'held', 'available']));
      await section(box, 'Events', '/v1/orders/' + id + '/events?limit=100', (body) =>
        listOf('Events', ['created_at', 'type', 'actor_id', 'trace', 'id'])(body.items.map((e) =>
          Object.assign({}, e, { trace: traceOf(e.payload) }))));
    } else if (kind === 'withdrawal') {
      await section(box, 'Withdrawal', '/v1/withdrawals/' + id);
    } else if (kind === 'claim') {
      const claim = await section(box, 'Claim', '/v1/claims/' + id);
      if (claim) {
        await section(box, 'Order', '/v1/orders/' + claim.order_id);
        await section(box, 'Supply', '/v1/supplies/' + claim.supply_id);
      }
    } else if (kind === 'supply') {
      await section(box, 'Supply', '/v1/supplies/' + id);
    } else if (kind === 'wallet') {
      await section(box, 'Wallets', '/v1/wallets?user_id=' + id, listOf('Wallets', ['id', 'chain', 'address', 'index', 'created_at']));
    } else {
      await section(box, 'Accounts', '/v1/accounts?user_id=' + id, listOf('Accounts', ['currency', 'balance', 'held', 'available']));
      await section(box, 'Wallets', '/v1/wallets?user_id=' + id, listOf('Wallets', ['id', 'chain', 'address', 'created_at']));
      await section(box, 'Supplies', '/v1/supplies?user_id=' + id, listOf('Supplies', ['id', 'currency', 'amount', 'reserved', 'status']));
      await section(box, 'Orders', '/v1/orders?user_id=' + id, listOf('Orders', ORDER_COLUMNS));
    }
  }

  function openSearch(kind, id) {
    $('search-kind').value = kind;
    $('search-id').value = id;
    switchView('search');
    $('search-form').requestSubmit();
  }

  // ---- lists ----------------------------------------------------------------

  const STATUSES = { orders: ['open', 'claimed', 'completed', 'cancelled'], claims: ['pending', 'processed'] };

  function fillStatuses() {
    const sel = $('list-status');
    sel.replaceChildren();
    STATUSES[$('list-kind').value].forEach((s) => {
      const o = el('option', s);
      o.value = s;
      sel.appendChild(o);
    });
  }

  async function claimAction(claim, action) {
    const what = action === 'release'
      ? 'Release claim ' + claim.id + '? The order is open again and the shopper\'s reservation freed.'
      : 'Process claim ' + claim.id + '? The escrow is paid to the shopper and the order completed.';
    if (!window.confirm(what)) return;
    const res = await api('POST', '/v1/claims/' + claim.id + '/' + action);
    show($('list-message'), res.status === 200 ? 'Claim ' + claim.id + ' ' + res.body.status + '.'
      : action + ' refused: ' + apiError(res), res.status !== 200);
    await loadList(pages[pages.length - 1] || '', false);
  }

  function listRows(kind, items) {
    const columns = kind === 'orders' ? ORDER_COLUMNS : CLAIM_COLUMNS;
    const t = table(items, columns);
    const rows = t.querySelectorAll('tr');
    rows[0].appendChild(el('th', ''));
    items.forEach((item, i) => {
      const cell = el('td');
      const find = el('a', 'details');
      find.addEventListener('click', () => openSearch(kind === 'orders' ? 'order' : 'claim', item.id));
      cell.appendChild(find);
      if (kind === 'claims' && item.status === 'pending') {
        ['release', 'process'].forEach((action) => {
          const b = el('button', action[0].toUpperCase() + action.slice(1), action === 'release' ? 'danger' : '');
          b.type = 'button';
          b.dataset.claim = item.id;
          b.dataset.action = action;
          b.addEventListener('click', () => claimAction(item, action));
          cell.appendChild(document.createTextNode(' '));
          cell.appendChild(b);
        });
      }
      rows[i + 1].appendChild(cell);
    });
    return t;
  }

  async function loadList(cursor, push) {
    const kind = $('list-kind').value;
    let path = '/v1/' + kind + '?limit=20&status=' + $('list-status').value;
    if (cursor) path += '&cursor=' + encodeURIComponent(cursor);
    const res = await api('GET', path);
    const box = $('list-result');
    box.replaceChildren();
    if (res.status !== 200) {
      box.appendChild(el('p', apiError(res), 'error'));
      $('list-next').disabled = true;
      return;
    }
    if (push) pages.push(cursor);
    box.appendChild(el('p', 'page ' + pages.length + ': ' + res.body.items.length + ' ' + kind));
    box.appendChild(listRows(kind, res.body.items));
    $('list-next').disabled = !res.body.next_cursor;
    $('list-next').dataset.cursor = res.body.next_cursor || '';
  }

  // ---- ledger and audit -----------------------------------------------------

  async function ledger(ev) {
    ev.preventDefault();
    const box = $('ledger-result');
    box.replaceChildren();
    const currencies = $('ledger-currencies').value.split(',').map((c) => c.trim()).filter(Boolean);
    for (const c of currencies) {
      const res = await api('GET', '/v1/ledger/totals?currency=' + encodeURIComponent(c));
      const h = el('h4', c + ' ');
      box.appendChild(h);
      if (res.status !== 200) {
        box.appendChild(el('p', apiError(res), 'error'));
        continue;
      }
      const t = res.body;
      h.appendChild(badge(t.ok));
      box.appendChild(table([
        { check: 'conservation: Σ balances = deposits − withdrawals', left: t.balances,
          right: t.deposits + ' − ' + t.withdrawals, result: t.checks.conservation ? 'OK' : 'broken' },
        { check: 'escrow: Σ held = open and claimed orders', left: t.held, right: t.escrow,
          result: t.checks.escrow ? 'OK' : 'broken' },
        { check: 'reservations: Σ reserved = pending claims', left: t.reserved, right: t.live_claims,
          result: t.checks.reservations ? 'OK' : 'broken' },
        { check: 'double entry: Σ entries = 0', left: '', right: '',
          result: t.checks.entries_balanced ? 'OK' : 'broken' },
      ], ['check', 'left', 'right', 'result']));
      const line = el('p', 'Conservation ');
      line.id = 'conservation-' + c;
      line.appendChild(badge(t.checks.conservation));
      box.appendChild(line);
    }
  }

  async function audit() {
    const box = $('audit-result');
    box.replaceChildren(el('p', 'verifying…'));
    const res = await api('GET', '/v1/audit/verify');
    box.replaceChildren();
    if (res.status !== 200) {
      box.appendChild(el('p', apiError(res), 'error'));
      return;
    }
    const r = res.body;
    const line = el('p', 'Audit chain ');
    line.id = 'audit-status';
    line.appendChild(badge(r.ok));
    box.appendChild(line);
    box.appendChild(record('Report', r));
    if (!r.ok) box.appendChild(el('p', 'First bad record: #' + r.first_bad + ' — ' + r.reason, 'error'));
    // The latest records, with the trace each command ran in (follow it in the tracing backend).
    const latest = await api('GET', '/v1/audit/records?limit=20&after=' + Math.max(0, r.records - 20));
    if (latest.status !== 200) {
      box.appendChild(el('p', apiError(latest), 'error'));
      return;
    }
    const list = listOf('Latest records, newest first', AUDIT_COLUMNS)(latest.body.items.slice().reverse());
    list.id = 'audit-records';
    box.appendChild(list);
  }

  // ---- wiring ---------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', () => {
    $('sign-in-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', signOut);
    document.querySelectorAll('nav button').forEach((b) => b.addEventListener('click', () => switchView(b.dataset.view)));
    $('search-form').addEventListener('submit', search);
    $('list-kind').addEventListener('change', fillStatuses);
    $('list-form').addEventListener('submit', (ev) => { ev.preventDefault(); pages.length = 0; loadList('', true); });
    $('list-next').addEventListener('click', () => loadList($('list-next').dataset.cursor, true));
    $('ledger-form').addEventListener('submit', ledger);
    $('audit-run').addEventListener('click', audit);
    fillStatuses();
  });
})();
