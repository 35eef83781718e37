/* Relais chat widget — https://github.com/relaisbot/relais
 * Install: <script src="https://RELAIS_HOST/widget.js" async></script>
 * Options: data-lang (fr|en), data-title, data-color (#rgb or #rrggbb), data-position (right|left).
 * Logged-in customers: data-customer-id, data-customer-expires, data-customer-signature, signed by the
 * shop's server (README, "Verified customers"): the same conversation on every device.
 * Wire protocol: the README, "Widget protocol". Text from the server is only ever set with textContent. */
(function () {
  'use strict';
  if (window.RelaisWidget) return;
  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script || !window.WebSocket) return;
  var src = new URL(script.src, location.href);
  var WS_URL = (src.protocol === 'https:' ? 'wss://' : 'ws://') + src.host +
    src.pathname.replace(/widget\.js$/, '') + 'widget/ws';
  var opt = script.dataset;

  var STRINGS = {
    en: {
      title: 'Customer support', open: 'Open the chat', openUnread: 'Open the chat (new message)',
      close: 'Close the chat', label: 'Your message', placeholder: 'Write your message…', send: 'Send',
      log: 'Conversation', you: 'You:', bot: 'Assistant:', agent: 'Agent', typing: 'The assistant is typing…',
      connecting: 'Connecting…', reconnecting: 'Connection lost. Reconnecting…', sending: 'Sending…',
      left: '{n} character{s} left', over: '{n} character{s} too many',
      tooLong: 'Your message is too long ({max} characters at most). Please shorten it to send it.',
      retry: 'Retry', notSent: 'Not sent.', hint: 'Enter sends, Shift+Enter adds a line.'
    },
    fr: {
      title: 'Service client', open: 'Ouvrir la discussion', openUnread: 'Ouvrir la discussion (nouveau message)',
      close: 'Fermer la discussion', label: 'Votre message', placeholder: 'Écrivez votre message…', send: 'Envoyer',
      log: 'Conversation', you: 'Vous :', bot: 'Assistant :', agent: 'Conseiller', typing: "L'assistant écrit…",
      connecting: 'Connexion…', reconnecting: 'Connexion perdue. Reconnexion…', sending: 'Envoi…',
      left: '{n} caractère{s} restant{s}', over: '{n} caractère{s} en trop',
      tooLong: 'Votre message est trop long ({max} caractères au maximum). Raccourcissez-le pour l’envoyer.',
      retry: 'Réessayer', notSent: 'Non envoyé.', hint: 'Entrée envoie, Maj+Entrée ajoute une ligne.'
    }
  };
  var IDENTITY = opt.customerId && opt.customerSignature ?
    { id: opt.customerId, expires: Number(opt.customerExpires) || 0, signature: opt.customerSignature } : undefined;
  function pickLang(s) { return /^fr\b/i.test(s || '') ? 'fr' : /^en\b/i.test(s || '') ? 'en' : ''; }
  var LANG = pickLang(opt.lang) || pickLang(document.documentElement.lang) || pickLang(navigator.language) || 'en';
  var S = STRINGS[LANG];
  function fmt(s, v) { return s.replace(/\{(\w+)\}/g, function (_, k) { return v[k]; }); }

  // Storage: the token and the messages not yet acknowledged survive reloads.
  var KEY = 'relais:' + src.host + ':';
  var memory = {};
  function load(name, def) {
    try { var v = localStorage.getItem(KEY + name); return v === null ? def : JSON.parse(v); }
    catch (e) { return name in memory ? memory[name] : def; }
  }
  function store(name, v) {
    memory[name] = v;
    try { localStorage.setItem(KEY + name, JSON.stringify(v)); } catch (e) { /* private mode: memory only */ }
  }
  var DAY = 864e5;
  function pendingList() {
    var p = load('pending', []);
    return Array.isArray(p) ? p.filter(function (m) { return m && m.client_id && Date.now() - m.at < DAY; }) : [];
  }
  function addPending(m) { store('pending', pendingList().filter(function (x) { return x.client_id !== m.client_id; }).concat([m])); }
  function dropPending(id) { store('pending', pendingList().filter(function (x) { return x.client_id !== id; })); }
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)), s = '';
    for (var i = 0; i < 16; i++) s += (b[i] + 256).toString(16).slice(1);
    return s;
  }

  // DOM helpers: elements are built one by one; text goes through textContent only.
  function h(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (k === 'text') e.textContent = v;
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
      else if (v !== false && v != null) e.setAttribute(k, v === true ? '' : v);
    });
    (kids || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function icon(d) {
    var NS = 'http://www.w3.org/2000/svg', svg = document.createElementNS(NS, 'svg'), p = document.createElementNS(NS, 'path');
    svg.setAttribute('viewBox', '0 0 24 24'); svg.setAttribute('width', '26'); svg.setAttribute('height', '26');
    svg.setAttribute('aria-hidden', 'true'); svg.setAttribute('focusable', 'false');
    p.setAttribute('d', d); p.setAttribute('fill', 'currentColor'); svg.appendChild(p);
    return svg;
  }
  var CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z';
  var CROSS = 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z';

  var CSS = `
/* !important here beats the page's !important rules on the host element. */
:host { all: initial !important; display: block !important; }
.w { --accent: var(--relais-accent, #1f5f99); --on-accent: var(--relais-on-accent, #ffffff);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1c1c1c; }
.w *, .w *::before, .w *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
button { font: inherit; cursor: pointer; }
button:focus-visible, textarea:focus-visible, .log:focus-visible {
  outline: 3px solid #111111; outline-offset: 2px; box-shadow: 0 0 0 2px #ffffff; }
.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 60px; height: 60px;
  border: 0; border-radius: 50%; background: var(--accent); color: var(--on-accent);
  display: flex; align-items: center; justify-content: center; box-shadow: 0 6px 20px rgba(0,0,0,.28); }
.dot { position: absolute; top: 2px; right: 2px; width: 16px; height: 16px; border-radius: 50%;
  background: #c8102e; border: 2px solid #ffffff; }
.panel { position: fixed; right: 20px; bottom: 92px; z-index: 2147483000; width: 380px; max-width: calc(100vw - 40px);
  height: 580px; max-height: calc(100vh - 112px); display: flex; flex-direction: column; overflow: hidden;
  background: #ffffff; border-radius: 16px; box-shadow: 0 12px 40px rgba(0,0,0,.28); }
.left .launcher, .left .panel { right: auto; left: 20px; }
.head { display: flex; align-items: center; gap: 8px; padding: 10px 8px 10px 16px; background: var(--accent); color: var(--on-accent); }
h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 600; }
.close { width: 40px; height: 40px; border: 0; border-radius: 8px; background: transparent; color: inherit;
  display: flex; align-items: center; justify-content: center; }
.status:not(:empty) { padding: 4px 16px; background: #fff4d6; color: #5c4400; font-size: 13px; }
.log { flex: 1; overflow-y: auto; padding: 12px; background: #f4f6f8; display: flex; flex-direction: column; gap: 10px; }
.item { display: flex; flex-direction: column; max-width: 86%; align-self: flex-start; align-items: flex-start; }
.item.customer { align-self: flex-end; align-items: flex-end; }
.bubble { position: relative; padding: 8px 12px; border-radius: 14px 14px 14px 4px; background: #ffffff; border: 1px solid #d5dae0;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.customer .bubble { border-radius: 14px 14px 4px 14px; background: var(--accent); color: var(--on-accent); border-color: transparent; }
.text { display: block; }
.author { display: block; font-size: 12.5px; font-weight: 700; color: #2e3a46; }
.note { margin-top: 3px; font-size: 12.5px; color: #4b5563; }
.note.err { color: #b00020; }
.retry { margin-left: 6px; padding: 0; border: 0; background: none; color: #1c1c1c; text-decoration: underline; font-size: 12.5px; }
.qr { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.qr button { padding: 6px 12px; border-radius: 999px; border: 2px solid var(--accent); background: #ffffff; color: #1c1c1c; }
.qr button:hover { background: #eaeef3; }
.typing { padding: 0 12px 8px; background: #f4f6f8; }
.dots i { display: inline-block; width: 7px; height: 7px; margin-right: 4px; border-radius: 50%; background: #5b6470;
  animation: relais-blink 1.2s infinite ease-in-out; }
.dots i:nth-child(2) { animation-delay: .15s; } .dots i:nth-child(3) { animation-delay: .3s; }
@keyframes relais-blink { 0%, 80%, 100% { opacity: .3; } 40% { opacity: 1; } }
.alert:not(:empty) { padding: 6px 16px; color: #b00020; font-size: 13px; }
.composer { display: flex; gap: 8px; align-items: flex-end; padding: 10px; border-top: 1px solid #d5dae0; }
textarea { flex: 1; min-height: 42px; max-height: 120px; resize: none; padding: 9px 10px; border: 1px solid #7b8591;
  border-radius: 10px; font: inherit; font-size: 16px; color: #1c1c1c; background: #ffffff; }
textarea[aria-invalid="true"] { border: 2px solid #b00020; }
.send { height: 42px; padding: 0 14px; border: 0; border-radius: 10px; background: var(--accent); color: var(--on-accent); font-weight: 600; }
.send:disabled { background: #d5dae0; color: #3d4650; cursor: not-allowed; }
.counter { padding: 0 12px 4px; font-size: 12.5px; color: #4b5563; text-align: right; }
.counter.over { color: #b00020; font-weight: 600; }
.toolong:not(:empty) { padding: 0 12px 8px; font-size: 13px; color: #b00020; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 480px) {
  .panel { inset: 0; width: 100%; max-width: none; height: 100%; max-height: none; border-radius: 0; }
  .open .launcher { display: none; }
}
@media (prefers-reduced-motion: reduce) { .dots i { animation: none; opacity: .7; } }
`;

  var host = h('div', { id: 'relais-widget' });
  var root = host.attachShadow({ mode: 'open' });
  try { var sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); root.adoptedStyleSheets = [sheet]; }
  catch (e) { root.appendChild(h('style', { text: CSS })); }
  var color = /^#([0-9a-f]{3}){1,2}$/i.test(opt.color || '') ? opt.color : '';
  if (color) {
    host.style.setProperty('--relais-accent', color);
    host.style.setProperty('--relais-on-accent', luminance(color) > 0.179 ? '#111111' : '#ffffff');
  }
  function luminance(c) {
    var x = c.slice(1); if (x.length === 3) x = x.replace(/./g, '$&$&');
    var rgb = [0, 2, 4].map(function (i) {
      var v = parseInt(x.substr(i, 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  }

  var dot = h('span', { class: 'dot', hidden: true });
  var launcher = h('button', { type: 'button', class: 'launcher', part: 'launcher', 'aria-label': S.open,
    'aria-expanded': 'false', 'aria-controls': 'relais-panel', onclick: function () { isOpen ? close() : open(); } },
    [icon(CHAT), dot]);
  var title = h('h2', { id: 'relais-title', text: opt.title || S.title });
  var status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
  var log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions',
    'aria-label': S.log, tabindex: '0' });
  var typing = h('div', { class: 'typing', hidden: true }, [
    h('span', { class: 'dots', 'aria-hidden': 'true' }, [h('i'), h('i'), h('i')]),
    h('span', { class: 'sr', text: S.typing })]);
  var alertBox = h('div', { class: 'alert', role: 'alert' });
  var input = h('textarea', { id: 'relais-input', rows: '1', placeholder: S.placeholder,
    'aria-describedby': 'relais-counter relais-toolong relais-hint', oninput: onInput, onkeydown: onKey });
  var sendBtn = h('button', { type: 'submit', class: 'send', text: S.send });
  var counter = h('div', { id: 'relais-counter', class: 'counter', hidden: true });
  var tooLong = h('div', { id: 'relais-toolong', class: 'toolong', role: 'status' });
  var form = h('form', { class: 'composer', onsubmit: function (e) { e.preventDefault(); submit(); } }, [
    h('label', { for: 'relais-input', class: 'sr', text: S.label }), input, sendBtn]);
  var panel = h('div', { id: 'relais-panel', class: 'panel', part: 'panel', role: 'dialog', 'aria-modal': 'false',
    'aria-labelledby': 'relais-title', hidden: true, onkeydown: onPanelKey }, [
    h('div', { class: 'head' }, [title, h('button', { type: 'button', class: 'close', 'aria-label': S.close,
      onclick: close }, [icon(CROSS)])]),
    status, log, typing, alertBox, form, counter, tooLong,
    h('p', { id: 'relais-hint', class: 'sr', text: S.hint })]);
  var wrap = h('div', { class: 'w' + (opt.position === 'left' ? ' left' : ''), lang: LANG }, [launcher, panel]);
  root.appendChild(wrap);

  // Conversation state.
  var token = load('token', '') || '';
  var lastId = 0, maxLen = 2000, greeting = null;
  var byId = new Map(), byClient = new Map();
  var ws = null, welcomed = false, everWelcomed = false, attempt = 0, retryTimer = 0, typingTimer = 0;
  var isOpen = false, opener = null;

  function open() {
    if (isOpen) return;
    // Opened from the page (RelaisWidget.open()): focus goes back there on close.
    opener = document.activeElement !== host ? document.activeElement : null;
    isOpen = true; panel.hidden = false; wrap.classList.add('open');
    launcher.setAttribute('aria-expanded', 'true');
    dot.hidden = true; launcher.setAttribute('aria-label', S.open);
    reconnectNow(); input.focus(); scrollEnd();
  }
  function close() {
    if (!isOpen) return;
    isOpen = false; panel.hidden = true; wrap.classList.remove('open');
    launcher.setAttribute('aria-expanded', 'false');
    (opener && opener.isConnected && opener !== document.body ? opener : launcher).focus();
    opener = null;
  }
  function onPanelKey(e) {
    if (e.key === 'Escape') { e.preventDefault(); close(); return; }
    if (e.key !== 'Tab' || !matchMedia('(max-width: 480px)').matches) return;
    // Full screen on small screens: keep Tab inside the panel.
    var f = Array.prototype.filter.call(panel.querySelectorAll('button, textarea, [tabindex="0"]'),
      function (x) { return !x.disabled && x.offsetParent !== null; });
    var first = f[0], last = f[f.length - 1], active = root.activeElement;
    if (e.shiftKey && active === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && active === last) { e.preventDefault(); first.focus(); }
  }
  // The log stays scrolled to the end while the reader is there, even when
  // the composer grows or the mobile keyboard shrinks the panel.
  var pinned = true;
  function scrollEnd() { log.scrollTop = log.scrollHeight; pinned = true; }
  log.addEventListener('scroll', function () { pinned = log.scrollHeight - log.scrollTop - log.clientHeight < 40; });
  if (window.ResizeObserver) new ResizeObserver(function () { if (pinned) scrollEnd(); }).observe(log);

  function runes(s) { return Array.from(s).length; }
  function onInput() {
    input.style.height = 'auto';
    input.style.height = Math.min(input.scrollHeight, 120) + 'px';
    var n = runes(input.value), over = n > maxLen;
    counter.hidden = n < maxLen * 0.9;
    var k = over ? n - maxLen : maxLen - n;
    counter.textContent = fmt(over ? S.over : S.left, { n: k, s: (LANG === 'fr' ? k > 1 : k !== 1) ? 's' : '' });
    counter.classList.toggle('over', over);
    sendBtn.disabled = over;
    input.setAttribute('aria-invalid', over ? 'true' : 'false');
    var msg = over ? fmt(S.tooLong, { max: maxLen }) : '';
    if (tooLong.textContent !== msg) tooLong.textContent = msg;
  }
  function onKey(e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  }
  function submit() {
    var text = input.value.trim();
    if (!text || runes(text) > maxLen) return;
    input.value = ''; onInput();
    send(text, '');
  }
  function send(text, payload) {
    var m = { client_id: uuid(), text: text, payload: payload, at: Date.now() };
    addPending(m);
    showPending(m);
    transmit(m);
  }
  function transmit(m) {
    if (ws && welcomed && ws.readyState === 1) {
      ws.send(JSON.stringify({ type: 'message', client_id: m.client_id, text: m.text, payload: m.payload || '' }));
    } else connect(); // sent after the welcome
  }

  // Messages. Confirmed ones are ordered by id; pending ones follow them.
  function item(role, text, author) {
    var bubble = h('div', { class: 'bubble' }, [
      role === 'agent' ? h('span', { class: 'author', text: author || S.agent }) :
        h('span', { class: 'sr', text: (role === 'customer' ? S.you : S.bot) + ' ' }),
      h('span', { class: 'text', text: text })]);
    return h('div', { class: 'item ' + role }, [bubble]);
  }
  function showPending(m) {
    var el = item('customer', m.text);
    el.msg = m;
    el.appendChild(h('div', { class: 'note sending', 'aria-hidden': 'true', text: S.sending }));
    byClient.set(m.client_id, el);
    log.appendChild(el);
    quickReplies(); scrollEnd();
  }
  function confirm(el, id) {
    el.dataset.id = id;
    byId.set(id, el);
    var note = el.querySelector('.note'); if (note) note.remove();
  }
  function place(el, id) {
    var kids = log.children;
    for (var i = 0; i < kids.length; i++) {
      var k = kids[i];
      if (k === greeting) continue;
      if (!k.dataset.id || Number(k.dataset.id) > id) { log.insertBefore(el, k); return; }
    }
    log.appendChild(el);
  }
  function showMessage(m, live) {
    if (byId.has(m.id)) return;
    if (greeting) { greeting.remove(); greeting = null; }
    var el = m.client_id && byClient.get(m.client_id);
    if (el) { dropPending(m.client_id); confirm(el, m.id); }
    else {
      el = item(m.role, m.text, m.author);
      if (m.client_id) byClient.set(m.client_id, el);
      confirm(el, m.id);
      place(el, m.id);
    }
    el.qr = m.quick_replies || [];
    lastId = Math.max(lastId, m.id);
    if (m.role !== 'customer') {
      setTyping(false);
      if (live && !isOpen) { dot.hidden = false; launcher.setAttribute('aria-label', S.openUnread); }
    }
    quickReplies(); scrollEnd();
  }
  // Quick replies are offered under the latest message only.
  function quickReplies() {
    Array.prototype.forEach.call(log.querySelectorAll('.qr'), function (q) { q.remove(); });
    var last = log.lastElementChild;
    if (!last || !last.qr || !last.qr.length) return;
    last.appendChild(h('div', { class: 'qr' }, last.qr.map(function (r) {
      return h('button', { type: 'button', text: r.label, onclick: function () { send(r.label, r.payload); input.focus(); } });
    })));
  }
  function note(el, text, retry) {
    var old = el.querySelector('.note'); if (old) old.remove();
    el.appendChild(h('div', { class: 'note err' }, [h('span', { text: text }), retry && el.msg && h('button', {
      type: 'button', class: 'retry', text: S.retry, onclick: function () {
        this.parentNode.remove(); addPending(el.msg); transmit(el.msg);
      } })]));
    if (pinned) scrollEnd();
  }
  function setTyping(on) {
    clearTimeout(typingTimer);
    typing.hidden = !on;
    if (on) { typingTimer = setTimeout(function () { setTyping(false); }, 15000); scrollEnd(); }
  }

  function onFrame(f) {
    switch (f.type) {
      case 'welcome':
        token = f.token; store('token', token);
        maxLen = f.max_length || maxLen; onInput();
        welcomed = everWelcomed = true; attempt = 0; status.textContent = '';
        (f.messages || []).forEach(function (m) { showMessage(m, false); });
        if (!byId.size && !greeting && f.greeting) {
          greeting = item('bot', f.greeting);
          log.insertBefore(greeting, log.firstChild);
        }
        pendingList().forEach(function (m) {
          if (!byClient.has(m.client_id)) showPending(m);
          byClient.get(m.client_id).msg = m;
          transmit(m);
        });
        break;
      case 'message': showMessage(f.message, true); break;
      case 'ack':
        dropPending(f.client_id);
        var el = byClient.get(f.client_id);
        if (el && !el.dataset.id) confirm(el, f.id);
        break;
      case 'typing': setTyping(!!f.on); break;
      case 'error':
        if (f.code === 'identity_rejected') { if (window.console) console.warn('Relais: ' + f.message); break; }
        var target = f.client_id && byClient.get(f.client_id);
        var permanent = /^(too_long|invalid|bad_request)$/.test(f.code);
        if (f.client_id && permanent) dropPending(f.client_id);
        if (target) { note(target, permanent ? S.notSent + ' ' + f.message : f.message, !permanent); setTyping(false); }
        else { alertBox.textContent = f.message; setTimeout(function () { alertBox.textContent = ''; }, 8000); }
        break;
    }
  }

  // Connection: reconnects with exponential backoff and jitter; hello says
  // which messages this page already has, so only missed ones are replayed.
  function connect() {
    if (ws || retryTimer) return;
    status.textContent = everWelcomed ? S.reconnecting : S.connecting;
    var s;
    try { s = new WebSocket(WS_URL); } catch (e) { return retry(); }
    ws = s; welcomed = false;
    s.onopen = function () { s.send(JSON.stringify({ type: 'hello', token: token, lang: LANG, after: lastId, identity: IDENTITY })); };
    s.onmessage = function (e) {
      if (ws !== s) return;
      try { var f = JSON.parse(e.data); } catch (err) { return; }
      onFrame(f);
    };
    s.onclose = function () {
      if (ws !== s) return;
      ws = null; welcomed = false; setTyping(false);
      retry();
    };
  }
  function retry() {
    status.textContent = everWelcomed ? S.reconnecting : S.connecting;
    var cap = Math.min(30000, 1000 * Math.pow(2, attempt++));
    retryTimer = setTimeout(function () { retryTimer = 0; connect(); }, cap / 2 + Math.random() * cap / 2);
  }
  function reconnectNow() {
    if (ws || !(isOpen || token)) return;
    clearTimeout(retryTimer); retryTimer = 0; attempt = 0; connect();
  }
  addEventListener('online', reconnectNow);
  addEventListener('offline', function () { if (ws) ws.close(); });
  document.addEventListener('visibilitychange', function () { if (!document.hidden) reconnectNow(); });

  function mount() {
    document.body.appendChild(host);
    pendingList().forEach(showPending);
    // Returning customers connect at once, to see replies that came meanwhile.
    if (token || byClient.size) connect();
  }
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
  window.RelaisWidget = { open: open, close: close };
})();
