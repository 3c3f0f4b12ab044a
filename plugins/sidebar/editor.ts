/**
 * The editor side of the aims360-sidebar plugin: the AIMS360 sidebar tab. Compiled with the
 * node dialogs (tsconfig.editor.json) into resources/editor/, loaded as a module by
 * sidebar.html. It reads jobs with the runtime's own readers (src/lib/job.ts); everything it
 * shows comes from the plugin's admin API and the comms topics aims360/waits and
 * aims360/job-events.
 */
import { isFinished, Job, readCanReRun, readJobId, readJobStatus, readPercent, readText } from '../../src/lib/job.js';
import type { JobEventEntry } from '../../src/lib/job-event-log.js';
import type { WaitView } from '../../src/lib/wait-registry.js';

interface Notification {
  close(): void;
}
interface NotifyButton {
  text: string;
  class?: string;
  click: (this: HTMLElement, event: JQuery.ClickEvent) => void;
}
interface SidebarTab {
  id: string;
  label: string;
  name: string;
  iconClass: string;
  content: JQuery;
  toolbar: JQuery;
  enableOnEdit: boolean;
  action: string;
  onchange: () => void;
}
interface PluginDefinition {
  onadd: () => void;
  onremove: () => void;
}

declare global {
  interface EditorRED {
    _(key: string, opts?: Record<string, unknown>): string;
    plugins: { registerPlugin(id: string, definition: PluginDefinition): void };
    sidebar: {
      addTab(tab: SidebarTab): void;
      removeTab(id: string): void;
      containsTab(id: string): boolean;
      show(id: string): void;
      help: { set(html: string, title: string): void };
    };
    actions: { add(name: string, handler: () => void): void; remove(name: string): void };
    comms: { subscribe(topic: string, handler: (topic: string, data: unknown) => void): void; unsubscribe(topic: string, handler: (topic: string, data: unknown) => void): void };
    user: { hasPermission(permission: string): boolean };
    notify(html: string, options: string | { modal?: boolean; fixed?: boolean; type?: string; buttons?: NotifyButton[] }): Notification;
    settings: { get(name: string): unknown; apiRootUrl?: string };
    clipboard: { copyText(text: string, element: JQuery, key: string): void };
    view: { reveal(id: string): void };
  }
  interface Window {
    /** Registers the plugin; sidebar.html calls it each time Node-RED appends it. */
    AIMS360Sidebar?: { register(): void };
  }
}

const PLUGIN = 'aims360-sidebar';
const NS = '@flowjobs/node-red-aims360/aims360-sidebar';
const TAB = 'aims360';
const ACTION = 'aims360:show-aims360-tab';
const WAITS_TOPIC = 'aims360/waits';
const EVENTS_TOPIC = 'aims360/job-events';
const ROW_CAP = 200;
const AUTO_REFRESH_MS = 30000;
/** How often a rerun job is read again while the sidebar follows it. */
const FOLLOW_EVERY_MS = 2000;
const SPANS = [24, 72, 168, 720];
const STATUSES = ['Failed', 'Inprogress', 'Queued', 'Completed'];

/** A message of the plugin's catalog; values are not escaped (esc() them for HTML). */
function t(key: string, opts: Record<string, unknown> = {}): string {
  return RED._(`${NS}:${PLUGIN}.${key}`, { interpolation: { escapeValue: false }, ...opts });
}

function esc(value: unknown): string {
  const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  return String(value ?? '').replace(/[&<>"']/g, (c) => entities[c]);
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function when(value: unknown): string {
  if (value === undefined || value === null || value === '') return '';
  const d = new Date(value as string | number);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** A time of day, as "04:34", for how a followed rerun ended. */
function clock(value: unknown): string {
  const d = new Date(typeof value === 'string' || typeof value === 'number' ? value : NaN);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

interface ErrorBody {
  code?: string;
  message?: string;
}

/**
 * A failed admin request in plain words: {code, message} answers, 401/403, unreachable. A 404
 * that is not the plugin's own {code, message} is Express's: the routes are not there.
 */
function failure(status: number, body: ErrorBody | null | undefined): string {
  const code = body?.code;
  if (status === 0) return t('error.unreachable');
  if (status === 401 || status === 403) return t('error.notLoggedIn', { status });
  if (status === 404 && !code) return t('error.notInstalled');
  const message = body?.message || String(status);
  if (code === 'AUTH_FAILED' || code === 'NETWORK' || code === 'TIMEOUT') return `${t(`error.${code}`)} (${message})`;
  return t('error.other', { code: code || status, message });
}

function ajaxFailure(xhr: JQuery.jqXHR): string {
  return failure(xhr.status, xhr.responseJSON as ErrorBody | undefined);
}

function getJSON<T>(url: string): JQuery.jqXHR<T> {
  return $.ajax({ url, dataType: 'json' });
}

/** A job the sidebar reran, followed until that run ends. */
interface Followed {
  job: Job;
  /** The completedDate of the run before the rerun: a finished job with another one is the new run's end. */
  before: string | undefined;
  sawRunning: boolean;
  ended: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

interface WaitRow {
  el: HTMLElement;
  id: HTMLElement;
  node: HTMLElement;
  status: HTMLElement;
  bar: HTMLElement;
  percent: HTMLElement;
  waited: HTMLElement;
  next: HTMLElement;
  cancel: HTMLButtonElement;
  last: Record<string, unknown>;
  wait: WaitView;
}
type TextField = 'node' | 'status' | 'waited' | 'next';

/**
 * A deployed config node as GET aims360/servers gives it (docs/admin-api.md). Its budget is
 * src/lib/budget.ts's BudgetUse, written out here: that module is the runtime's, not the browser's.
 */
interface Server {
  id: string;
  name: string;
  baseUrl: string;
  /** The cap (0 = none), the requests of the last second, those waiting; null when the node's settings stopped its client. */
  budget: { perSecond: number; lastSecond: number; waiting: number } | null;
}

interface WaitsSnapshot {
  total?: number;
  waits?: WaitView[];
  at?: number;
}

interface Sidebar {
  content: JQuery;
  toolbar: JQuery;
  onchange(): void;
  destroy(): void;
}

function create(): Sidebar {
  const canWrite = RED.user.hasPermission('aims360.write');
  const timers: ReturnType<typeof setInterval>[] = [];
  const content = $('<div class="aims360-sidebar"></div>');
  $('<p class="aims360-note"></p>').text(t('tab.intro')).appendTo(content);
  if (!canWrite) $('<p class="aims360-note aims360-readonly"></p>').text(t('recent.readOnly')).appendTo(content);

  // ---------- Request budget ----------
  const budgetHead = $('<h4></h4>').append($('<span></span>').text(t('budget.title'))).hide().appendTo(content);
  const budgetList = $('<div class="aims360-budgets"></div>').attr('title', t('budget.tip')).appendTo(content);
  let budgetHtml = '';
  let readingBudget = false;

  function budgetRow(server: Server): string {
    const name = `<span class="aims360-fill aims360-budget-name">${esc(server.name || server.baseUrl || server.id)}</span>`;
    const row = (attributes: string, state: string, words: string, bar: string) => `<div class="aims360-row aims360-budget" data-server="${esc(server.id)}"${attributes}>` +
      `<div class="aims360-line">${name}${state ? `<span class="aims360-budget-state">${esc(state)}</span>` : ''}</div>` +
      `<div class="aims360-line"><span class="aims360-fill aims360-budget-text">${esc(words)}</span>${bar}</div></div>`;
    const use = server.budget;
    if (!use) return row(' data-stopped="true"', '', t('budget.stopped'), '');
    const { perSecond, lastSecond: used, waiting } = use;
    // As the budget counts: a cap's whole part per second, at least one request per window.
    const room = Math.max(1, Math.floor(perSecond));
    const capped = perSecond > 0;
    // A request waiting means the budget holds it back, whatever the last second's count (a cap below 1 has a longer window).
    const full = capped && (used >= room || waiting > 0);
    const words = !capped
      ? t('budget.uncapped', { used })
      : perSecond >= 1
        ? t('budget.capped', { used, cap: perSecond.toLocaleString() })
        : t('budget.slow', { used, seconds: (1 / perSecond).toLocaleString(undefined, { maximumFractionDigits: 1 }) });
    const state = waiting > 0 ? t('budget.atCapWaiting', { n: waiting.toLocaleString() }) : full ? t('budget.atCap') : '';
    const bar = capped ? `<div class="aims360-bar aims360-budget-bar"><div style="width:${Math.min(100, (100 * used) / room)}%"></div></div>` : '';
    return row(` data-full="${full}" data-used="${used}" data-waiting="${waiting}"`, state, words, bar);
  }

  /** Each config node's request budget: rewritten only when a figure changed. */
  function renderBudgets(servers: Server[]): void {
    const html = servers.map(budgetRow).join('');
    budgetHead.toggle(servers.length > 0);
    if (html !== budgetHtml) budgetList[0].innerHTML = budgetHtml = html;
  }

  /** The budgets read again (the tab's one-second tick): one request at a time, none while hidden. */
  function readBudgets(): void {
    if (readingBudget) return;
    readingBudget = true;
    getJSON<{ servers?: Server[] }>('aims360/servers')
      .done((data) => renderBudgets(data.servers || []))
      // Figures that can no longer be read are not shown as if they were current.
      .fail(() => renderBudgets([]))
      .always(() => { readingBudget = false; });
  }

  // ---------- Waiting now ----------
  const waitsHead = $('<h4></h4>').append($('<span></span>').text(t('waits.title'))).append('<span class="aims360-note aims360-waits-count"></span>').appendTo(content);
  const waitsState = $('<div class="aims360-state aims360-waits-state"></div>').text(t('recent.loading')).appendTo(content);
  const waitsShowing = $('<div class="aims360-note aims360-waits-showing"></div>').hide().appendTo(content);
  const listEl = $('<div class="aims360-waits"></div>').appendTo(content)[0];
  const rows = new Map<string, WaitRow>();
  let latest: { at: number; receivedAt: number } | null = null;
  // Formatted once: a snapshot rewrites up to 200 rows' times.
  const MARK = '\u0001';
  const fmtWaited = t('waits.waited', { time: MARK });
  const fmtNext = t('waits.nextPoll', { time: MARK });
  const nextDue = t('waits.nextPollDue');
  const notPolled = t('waits.notPolled');

  function newRow(w: WaitView): WaitRow {
    const el = document.createElement('div');
    el.className = 'aims360-row aims360-wait';
    el.setAttribute('data-job-id', w.jobId);
    el.setAttribute('data-node', w.node);
    el.innerHTML = '<div class="aims360-line"><span class="aims360-id aims360-fill"></span>' +
      '<button type="button" class="red-ui-button red-ui-button-small aims360-cancel"></button></div>' +
      '<div class="aims360-line"><a href="#" class="aims360-node aims360-fill"></a><span class="aims360-status"></span></div>' +
      '<div class="aims360-line"><div class="aims360-bar"><div></div></div><span class="aims360-percent"></span></div>' +
      '<div class="aims360-line aims360-note"><span class="aims360-waited aims360-fill"></span><span class="aims360-next"></span></div>';
    const part = <E extends HTMLElement = HTMLElement>(selector: string) => el.querySelector(selector) as E;
    const r: WaitRow = {
      el,
      id: part('.aims360-id'),
      node: part('.aims360-node'),
      status: part('.aims360-status'),
      bar: part('.aims360-bar > div'),
      percent: part('.aims360-percent'),
      waited: part('.aims360-waited'),
      next: part('.aims360-next'),
      cancel: part<HTMLButtonElement>('.aims360-cancel'),
      last: {},
      wait: w,
    };
    r.id.textContent = w.jobId;
    r.cancel.textContent = t('waits.cancel');
    r.cancel.title = t('waits.cancelTip');
    r.cancel.disabled = !canWrite;
    r.cancel.addEventListener('click', () => cancelWait(r, w.node, w.jobId));
    r.node.title = t('waits.reveal');
    r.node.addEventListener('click', (e) => {
      e.preventDefault();
      if (RED.nodes.node(w.node)) RED.view.reveal(w.node);
      else RED.notify(esc(t('waits.gone', { node: w.node })), 'warning');
    });
    return r;
  }

  function setText(r: WaitRow, field: TextField, value: string): void {
    if (r.last[field] !== value) {
      r.last[field] = value;
      r[field].textContent = value;
    }
  }

  function updateRow(r: WaitRow, w: WaitView): void {
    const editorNode = RED.nodes.node(w.node);
    setText(r, 'node', w.nodeName || (editorNode && RED.utils.getNodeLabel(editorNode, w.nodeType)) || w.nodeType || w.node);
    setText(r, 'status', w.status === null ? notPolled : w.status);
    if (r.last.statusClass !== w.status) {
      r.last.statusClass = w.status;
      r.status.className = `aims360-status aims360-status-${w.status || 'none'}`;
    }
    const pct = typeof w.percent === 'number' ? Math.max(0, Math.min(100, w.percent)) : null;
    if (r.last.pct !== pct) {
      r.last.pct = pct;
      r.bar.style.width = `${pct || 0}%`;
      r.percent.textContent = pct === null ? '' : `${Math.round(pct)} %`;
      r.el.setAttribute('data-percent', pct === null ? '' : String(pct));
    }
  }

  /** The waited and next-poll times, from the snapshot's server clock plus the time since it came. */
  function tick(): void {
    if (!latest) return;
    const since = Date.now() - latest.receivedAt;
    const at = latest.at;
    rows.forEach((r) => {
      const w = r.wait;
      setText(r, 'waited', fmtWaited.replace(MARK, duration(w.waitedMs + since)));
      const next = w.nextPollAt === null || w.nextPollAt === undefined ? null : w.nextPollAt - at - since;
      setText(r, 'next', next === null ? '' : next >= 1000 ? fmtNext.replace(MARK, duration(next)) : nextDue);
    });
  }

  /** A snapshot: rows are kept by node and job id, only what changed is written. */
  function renderWaits(snapshot: WaitsSnapshot): void {
    const waits = (snapshot.waits || []).slice(0, ROW_CAP);
    const total = typeof snapshot.total === 'number' ? snapshot.total : waits.length;
    latest = { at: snapshot.at || Date.now(), receivedAt: Date.now() };
    const seen = new Set<string>();
    waits.forEach((w, i) => {
      const key = `${w.node}\u0000${w.jobId}`;
      seen.add(key);
      let r = rows.get(key);
      if (!r) {
        r = newRow(w);
        rows.set(key, r);
      }
      r.wait = w;
      updateRow(r, w);
      // Keep the runtime's order (longest waiting first) without moving rows already in place.
      const there = listEl.children[i];
      if (there !== r.el) listEl.insertBefore(r.el, there || null);
    });
    rows.forEach((r, key) => {
      if (!seen.has(key)) {
        r.el.remove();
        rows.delete(key);
      }
    });
    tick();
    waitsHead.find('.aims360-waits-count').text(total ? t('waits.count', { n: total.toLocaleString() }) : '');
    if (total > waits.length) waitsShowing.text(t('waits.showing', { shown: waits.length.toLocaleString(), total: total.toLocaleString() })).show();
    else waitsShowing.hide();
    if (total === 0) waitsState.removeClass('aims360-error').text(t('waits.none')).show();
    else waitsState.hide();
  }

  function cancelWait(r: WaitRow, node: string, jobId: string): void {
    r.cancel.disabled = true;
    $.ajax({ url: 'aims360/waits/cancel', type: 'POST', contentType: 'application/json', data: JSON.stringify({ node, jobId }), dataType: 'json' })
      .done(() => { RED.notify(esc(t('waits.cancelled', { jobId })), 'success'); })
      .fail((xhr) => {
        r.cancel.disabled = !canWrite;
        RED.notify(esc(ajaxFailure(xhr)), 'error');
      });
  }

  let gotWaits = false;
  const onWaits = (_topic: string, snapshot: unknown) => {
    gotWaits = true;
    renderWaits((snapshot as WaitsSnapshot) || {});
  };
  RED.comms.subscribe(WAITS_TOPIC, onWaits);
  // The retained comms message usually comes first; this answers when it does not, and shows errors.
  getJSON<{ waits: WaitView[] }>('aims360/waits').done((data) => {
    if (!gotWaits) renderWaits({ total: data.waits.length, waits: data.waits.slice(0, ROW_CAP), at: Date.now() });
  }).fail((xhr) => {
    if (!gotWaits) waitsState.addClass('aims360-error').text(ajaxFailure(xhr)).show();
  });
  timers.push(setInterval(() => {
    if (!content.is(':visible')) return;
    tick();
    readBudgets();
  }, 1000));

  // ---------- Recent jobs ----------
  $('<h4></h4>').append($('<span></span>').text(t('recent.title'))).appendTo(content);
  const controls = $('<div class="aims360-controls"></div>').appendTo(content);
  const serverSelect = $('<select class="aims360-server"></select>').attr('title', t('recent.server')).hide().appendTo(controls);
  const statusSelect = $('<select class="aims360-status-filter"></select>').attr('title', t('recent.status')).appendTo(controls);
  $('<option value=""></option>').text(t('recent.allStatuses')).appendTo(statusSelect);
  STATUSES.forEach((s) => { $('<option></option>').val(s).text(s).appendTo(statusSelect); });
  const spanSelect = $('<select class="aims360-span"></select>').attr('title', t('recent.span')).appendTo(controls);
  SPANS.forEach((h) => { $('<option></option>').val(h).text(h < 48 ? t('recent.hours', { n: h }) : t('recent.days', { n: h / 24 })).appendTo(spanSelect); });
  const recentState = $('<div class="aims360-state aims360-recent-state"></div>').appendTo(content);
  const recentList = $('<div class="aims360-recent"></div>').appendTo(content);
  let request = 0;
  /** The jobs listed (row i is jobs[i]) and their server. */
  let jobs: Job[] = [];
  let listedServer = '';
  /** Reruns from this sidebar, by server and job id: followed until their run ends, and kept in the list. */
  const followed = new Map<string, Followed>();
  /** Reruns being posted, by server and job id: their button stays disabled until the answer. */
  const posting = new Set<string>();
  const keyOf = (server: string, id: string) => `${server}\u0000${id}`;

  function showRecentState(text: string, isError = false): void {
    recentState.toggleClass('aims360-error', isError).text(text).show();
  }

  function refresh(): void {
    const mine = ++request;
    getJSON<{ servers?: Server[] }>('aims360/servers').done((data) => {
      if (mine !== request) return;
      const servers = data.servers || [];
      renderBudgets(servers);
      const chosen = serverSelect.val();
      serverSelect.empty();
      servers.forEach((s) => { $('<option></option>').val(s.id).text(s.name || s.baseUrl || s.id).appendTo(serverSelect); });
      if (chosen && servers.some((s) => s.id === chosen)) serverSelect.val(chosen);
      serverSelect.toggle(servers.length > 1);
      if (!servers.length) {
        recentList.empty();
        showRecentState(t('recent.noServer'));
        return;
      }
      loadJobs(mine);
    }).fail((xhr) => {
      if (mine !== request) return;
      recentList.empty();
      showRecentState(ajaxFailure(xhr), true);
    });
  }

  function loadJobs(mine: number): void {
    const server = String(serverSelect.val());
    if (!recentList.children().length) showRecentState(t('recent.loading'));
    const query: Record<string, string> = { hours: String(spanSelect.val()) };
    if (statusSelect.val()) query.status = String(statusSelect.val());
    getJSON<{ jobs?: Job[]; truncated?: boolean }>(`aims360/servers/${encodeURIComponent(server)}/jobs?${$.param(query)}`).done((data) => {
      if (mine !== request) return;
      renderJobs(server, data.jobs || [], !!data.truncated);
    }).fail((xhr) => {
      if (mine !== request) return;
      recentList.empty();
      showRecentState(ajaxFailure(xhr), true);
    });
  }

  /**
   * The list as the API gave it, plus the jobs this sidebar reran that it no longer gives (a
   * rerun job leaves the Failed filter): followed, they stay in place by creation date.
   */
  function withFollowed(server: string, listed: Job[]): Job[] {
    const ids = new Set(listed.map((job) => readJobId(job)));
    const merged = listed.map((job) => {
      const follow = followed.get(keyOf(server, readJobId(job) ?? ''));
      if (follow) seeJob(follow, job);
      return follow ? follow.job : job;
    });
    followed.forEach((follow, key) => {
      const id = readJobId(follow.job);
      if (key === keyOf(server, id ?? '') && !ids.has(id)) merged.push(follow.job);
    });
    const created = (job: Job) => Date.parse(readText(job, 'createdDate') ?? '') || 0;
    return merged.sort((a, b) => created(b) - created(a));
  }

  function jobHtml(server: string, job: Job, index: number): string {
    const id = readJobId(job) ?? '';
    const status = readJobStatus(job);
    const follow = followed.get(keyOf(server, id));
    const running = !!follow && !follow.ended;
    const percent = readPercent(job);
    const rerunnable = readCanReRun(job);
    const reason = status === 'Failed' ? readText(job, 'jobStatusText') : undefined;
    const what = [readText(job, 'categoryName'), readText(job, 'subCategoryName')].filter(Boolean).join(' / ');
    const description = readText(job, 'jobDescription');
    // A failed job's percent is how far it got, often 100: no bar, its reason instead.
    const bar = status === 'Failed' ? '' : `<div class="aims360-bar aims360-bar-${esc(status)}"><div style="width:${Math.max(0, Math.min(100, percent ?? 0))}%"></div></div>` +
      `<span class="aims360-percent">${percent === undefined ? '' : `${esc(percent)} %`}</span>`;
    let outcome = '';
    if (follow) {
      const text = !follow.ended
        ? t('recent.following', { status: status ?? '' })
        : status === 'Failed'
          ? t('recent.failedAgain', { time: clock(readText(job, 'completedDate', 'modifiedDate')), reason: reason ?? '' })
          : t('recent.completedAt', { time: clock(readText(job, 'completedDate', 'modifiedDate')) });
      outcome = `<div class="aims360-line aims360-outcome aims360-outcome-${follow.ended ? esc(status) : 'running'}">${esc(text)}</div>`;
    }
    const rerunDisabled = !canWrite || !rerunnable || running || posting.has(keyOf(server, id));
    return `<div class="aims360-row aims360-job" data-index="${index}" data-job-id="${esc(id)}" data-status="${esc(status ?? '')}"${follow ? ` data-followed="${follow.ended ? 'ended' : 'running'}"` : ''}>` +
      `<div class="aims360-line"><span class="aims360-fill">${esc(description || id)}</span></div>` +
      `<div class="aims360-line aims360-note"><span class="aims360-id aims360-fill">${esc(id)}</span></div>` +
      (what ? `<div class="aims360-line aims360-note"><span class="aims360-fill">${esc(what)}</span></div>` : '') +
      `<div class="aims360-line"><span class="aims360-status aims360-status-${esc(status ?? 'none')}">${esc(status ?? '')}</span>${bar}</div>` +
      (reason ? `<div class="aims360-line aims360-reason">${esc(reason)}</div>` : '') +
      outcome +
      `<div class="aims360-line aims360-note"><span class="aims360-fill">${esc(t('recent.created', { time: when(readText(job, 'createdDate')) }))}</span>` +
      `<span class="aims360-canrerun">${esc(rerunnable ? t('recent.canReRun') : t('recent.cannotReRun'))}</span></div>` +
      (readText(job, 'completedDate') && isFinished(status) ? `<div class="aims360-line aims360-note"><span class="aims360-fill">${esc(t('recent.completed', { time: when(readText(job, 'completedDate')) }))}</span></div>` : '') +
      '<div class="aims360-line aims360-actions">' +
      `<button type="button" class="red-ui-button red-ui-button-small aims360-rerun" title="${esc(rerunnable ? t('recent.rerunTip') : t('recent.rerunNotAllowed'))}"${rerunDisabled ? ' disabled' : ''}><i class="fa fa-repeat"></i> ${esc(t('recent.rerun'))}</button>` +
      `<button type="button" class="red-ui-button red-ui-button-small aims360-download" title="${esc(t('recent.downloadTip'))}"${canWrite && status === 'Completed' ? '' : ' disabled'}><i class="fa fa-download"></i> ${esc(t('recent.download'))}</button>` +
      `<button type="button" class="red-ui-button red-ui-button-small aims360-copy"><i class="fa fa-clipboard"></i> ${esc(t('recent.copy'))}</button>` +
      '</div></div>';
  }

  function renderJobs(server: string, listed: Job[], truncated: boolean): void {
    if (truncated) showRecentState(t('recent.truncated', { count: listed.length }));
    else if (!listed.length && ![...followed.keys()].some((key) => key.startsWith(`${server}\u0000`))) showRecentState(t('recent.none'));
    else recentState.hide();
    jobs = withFollowed(server, listed);
    listedServer = server;
    recentList[0].innerHTML = jobs.map((job, i) => jobHtml(server, job, i)).join('');
  }

  /** Redraws one listed job's row in place (a followed rerun moved on). */
  function redrawJob(server: string, id: string): void {
    if (server !== listedServer) return;
    const index = jobs.findIndex((job) => readJobId(job) === id);
    const row = recentList.children(`.aims360-job[data-index="${index}"]`);
    if (index < 0 || !row.length) return;
    row.replaceWith(jobHtml(server, jobs[index], index));
  }

  /** A newer reading of a followed job: the run has ended once it is finished after running, or with another completedDate. */
  function seeJob(follow: Followed, job: Job): void {
    follow.job = job;
    const status = readJobStatus(job);
    if (!isFinished(status)) follow.sawRunning = true;
    else if (follow.sawRunning || readText(job, 'completedDate') !== follow.before) follow.ended = true;
  }

  function follow(server: string, job: Job, answer: Job): void {
    const id = readJobId(job) ?? '';
    const key = keyOf(server, id);
    clearTimeout(followed.get(key)?.timer);
    const started: Job = { ...job, jobStatus: readJobStatus(answer) ?? 'Queued', percentCompleted: 0, completedDate: null };
    const entry: Followed = { job: started, before: readText(job, 'completedDate'), sawRunning: !isFinished(readJobStatus(answer)), ended: false };
    followed.set(key, entry);
    const index = jobs.findIndex((listedJob) => readJobId(listedJob) === id);
    if (index >= 0) jobs[index] = started;
    redrawJob(server, id);
    const poll = () => {
      getJSON<{ job: Job }>(`aims360/servers/${encodeURIComponent(server)}/jobs/${encodeURIComponent(id)}`).done((data) => {
        if (followed.get(key) !== entry) return;
        seeJob(entry, data.job);
        const at = jobs.findIndex((listedJob) => readJobId(listedJob) === id);
        if (at >= 0 && server === listedServer) jobs[at] = entry.job;
        redrawJob(server, id);
      }).always(() => {
        if (followed.get(key) === entry && !entry.ended) entry.timer = setTimeout(poll, FOLLOW_EVERY_MS);
      });
    };
    entry.timer = setTimeout(poll, FOLLOW_EVERY_MS);
  }

  recentList.on('click', 'button', function (this: HTMLButtonElement) {
    const row = $(this).closest('.aims360-job');
    const job = jobs[Number(row.attr('data-index'))];
    if (!job) return;
    if ($(this).hasClass('aims360-rerun')) confirmRerun(listedServer, job);
    else if ($(this).hasClass('aims360-download')) download(listedServer, job, this);
    else if ($(this).hasClass('aims360-copy')) RED.clipboard.copyText(readJobId(job) ?? '', $(this), `${NS}:${PLUGIN}.recent.copied`);
  });

  function confirmRerun(server: string, job: Job): void {
    const id = readJobId(job) ?? '';
    const key = keyOf(server, id);
    // One POST per confirmation: a second click on the button (a double click) does nothing.
    let confirmed = false;
    const dialog = RED.notify(`<p>${t('recent.confirmRerun', { jobId: esc(id), description: esc(readText(job, 'jobDescription') ?? '') })}</p>`, {
      modal: true,
      fixed: true,
      type: 'warning',
      buttons: [
        { text: t('button.cancel'), click: () => dialog.close() },
        {
          text: t('recent.rerun'),
          class: 'primary aims360-confirm-rerun',
          click: function () {
            if (confirmed) return;
            confirmed = true;
            $(this).prop('disabled', true);
            dialog.close();
            posting.add(key);
            redrawJob(server, id);
            $.ajax({ url: `aims360/servers/${encodeURIComponent(server)}/jobs/${encodeURIComponent(id)}/rerun`, type: 'POST', dataType: 'json' })
              .done((answer: Job) => {
                RED.notify(esc(t('recent.rerunDone', { jobId: id, status: readJobStatus(answer ?? {}) ?? 'OK' })), 'success');
                posting.delete(key);
                follow(server, job, answer ?? {});
              })
              .fail((xhr) => {
                posting.delete(key);
                redrawJob(server, id);
                const body = xhr.responseJSON as ErrorBody | undefined;
                RED.notify(esc(t('recent.rerunRefused', { jobId: id, message: body?.message || ajaxFailure(xhr) })), 'error');
              });
          },
        },
      ],
    });
  }

  /**
   * The output through the runtime, with the editor's admin token in the Authorization
   * header (never in a URL), saved from a blob: a plain link would carry no token.
   */
  function download(server: string, job: Job, button: HTMLButtonElement): void {
    const id = readJobId(job) ?? '';
    const tokens = RED.settings.get('auth-tokens') as { access_token?: string } | undefined;
    const headers: Record<string, string> = tokens?.access_token ? { Authorization: `Bearer ${tokens.access_token}` } : {};
    const url = `${RED.settings.apiRootUrl || ''}aims360/servers/${encodeURIComponent(server)}/jobs/${encodeURIComponent(id)}/output`;
    button.disabled = true;
    fetch(url, { headers, credentials: 'same-origin' }).then(async (res) => {
      if (!res.ok) {
        const body = await res.json().catch(() => null) as ErrorBody | null;
        throw new Error(failure(res.status, body));
      }
      const cd = res.headers.get('content-disposition') || '';
      const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
      const plain = /filename="([^"]*)"/i.exec(cd);
      const name = star ? decodeURIComponent(star[1]) : plain ? plain[1] : `job-${id}.json`;
      const blob = await res.blob();
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 60000);
    }).catch((err: Error) => {
      RED.notify(esc(t('recent.downloadFailed', { jobId: id, message: err.message })), 'error');
    }).then(() => { button.disabled = false; });
  }

  // Another question: the reruns that have ended leave the list (those under way stay).
  const requery = () => {
    followed.forEach((entry, key) => { if (entry.ended) followed.delete(key); });
    refresh();
  };
  serverSelect.on('change', requery);
  statusSelect.on('change', requery);
  spanSelect.on('change', requery);

  // ---------- Recent job events ----------
  $('<h4></h4>').append($('<span></span>').text(t('events.title'))).appendTo(content);
  const eventsState = $('<div class="aims360-state aims360-events-state"></div>').text(t('recent.loading')).appendTo(content);
  const eventsList = $('<div class="aims360-events"></div>').appendTo(content);

  function eventHtml(e: JobEventEntry): string {
    const what = [e.categoryName, e.subCategoryName].filter(Boolean).join(' / ');
    return `<div class="aims360-row aims360-event" data-job-id="${esc(e.jobId)}" data-event="${esc(e.event)}">` +
      `<div class="aims360-line"><span class="aims360-status aims360-event-${esc(e.event)}">${esc(t(`events.${e.event}`))}</span>` +
      `<span class="aims360-fill aims360-note">${esc(when(e.at))}</span></div>` +
      `<div class="aims360-line aims360-note"><span class="aims360-id aims360-fill">${esc(e.jobId)}</span></div>` +
      (what ? `<div class="aims360-line aims360-note"><span class="aims360-fill">${esc(what)}</span></div>` : '') +
      (e.event === 'failed' && e.jobStatusText ? `<div class="aims360-line aims360-reason">${esc(e.jobStatusText)}</div>` : '') +
      '</div>';
  }

  function renderEvents(events: JobEventEntry[]): void {
    eventsList[0].innerHTML = events.map(eventHtml).join('');
    if (events.length) eventsState.hide();
    else eventsState.removeClass('aims360-error').text(t('events.none')).show();
  }

  let gotEvents = false;
  const onEvents = (_topic: string, snapshot: unknown) => {
    gotEvents = true;
    renderEvents((snapshot as { events?: JobEventEntry[] })?.events || []);
  };
  RED.comms.subscribe(EVENTS_TOPIC, onEvents);
  getJSON<{ events: JobEventEntry[] }>('aims360/job-events').done((data) => {
    if (!gotEvents) renderEvents(data.events);
  }).fail((xhr) => {
    if (!gotEvents) eventsState.addClass('aims360-error').text(ajaxFailure(xhr)).show();
  });

  // ---------- Toolbar: refresh and help ----------
  const toolbar = $('<div></div>');
  const buttons = $('<span class="button-group"></span>').appendTo(toolbar);
  $('<button type="button" class="red-ui-footer-button aims360-refresh"><i class="fa fa-refresh"></i></button>').attr('title', t('button.refresh')).on('click', refresh).appendTo(buttons);
  $('<button type="button" class="red-ui-footer-button aims360-help"><i class="fa fa-question"></i></button>').attr('title', t('button.help')).on('click', () => {
    RED.sidebar.help.set(t('help'), t('tab.name'));
  }).appendTo(buttons);

  timers.push(setInterval(() => { if (content.is(':visible')) refresh(); }, AUTO_REFRESH_MS));

  return {
    content,
    toolbar,
    // Shown: fresh data at once (and the first time, the first data).
    onchange: refresh,
    destroy() {
      RED.comms.unsubscribe(WAITS_TOPIC, onWaits);
      RED.comms.unsubscribe(EVENTS_TOPIC, onEvents);
      timers.forEach(clearInterval);
      followed.forEach((entry) => clearTimeout(entry.timer));
      content.remove();
      toolbar.remove();
    },
  };
}

// One tab per page, whatever the number of onadd calls (palette reinstall).
let current: Sidebar | undefined;

function remove(): void {
  if (!current) return;
  const ui = current;
  current = undefined;
  ui.destroy();
  if (RED.sidebar.containsTab(TAB)) RED.sidebar.removeTab(TAB);
  RED.actions.remove(ACTION);
}

function register(): void {
  RED.plugins.registerPlugin(PLUGIN, {
    onadd() {
      // Added again (a palette reinstall without a remove, an editor that re-runs its
      // plugins): the old tab goes, so there is always one, from the latest code.
      remove();
      if (RED.sidebar.containsTab(TAB)) RED.sidebar.removeTab(TAB);
      const ui = create();
      current = ui;
      RED.actions.remove(ACTION);
      RED.actions.add(ACTION, () => RED.sidebar.show(TAB));
      RED.sidebar.addTab({
        id: TAB,
        label: t('tab.label'),
        name: t('tab.name'),
        iconClass: 'fa fa-tasks',
        content: ui.content,
        toolbar: ui.toolbar,
        enableOnEdit: true,
        action: ACTION,
        onchange: ui.onchange,
      });
    },
    onremove: remove,
  });
}

// sidebar.html registers the plugin with it: a module runs once per page, and the palette
// manager's reinstall appends the .html again without running the module again.
window.AIMS360Sidebar = { register };
