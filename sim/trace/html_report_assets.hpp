// The HTML report's style sheet and script (detsim/trace/export.hpp), kept
// in the library as text: the page inlines them, so it loads nothing from
// the network and the library needs no data files at run time. Private to
// sim/.
//
// The script reads the trace data from <script type="application/json"
// id="trace-data"> and draws the timeline into #timeline as SVG: a row per
// track, a mark per event, an arrow per cause link across tracks, and every
// link of the failure's cause chain. It sets data-rendered="true" on <html>
// when done (data-render-error with the message if it threw): what the
// headless-browser test waits for. Trace text reaches the page only through
// textContent and setAttribute, never as markup.
#pragma once

#include <string_view>

namespace detsim::detail {

inline constexpr std::string_view html_report_style = R"css(
:root { --fail: #c62828; --chain: #e65100; --cause: #5c6bc0; --muted: #777; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; margin: 0 0 .5em; }
h2 { font-size: 1.1em; margin: 1.2em 0 .4em; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: .1em 1em; margin: 0; }
dl.summary dt { color: var(--muted); }
dl.summary dd { margin: 0; font-family: ui-monospace, monospace; }
.outcome-ok { color: #2e7d32; font-weight: bold; }
.outcome-failed, .outcome-deadlock, .outcome-budget_exceeded, .outcome-truncated { color: var(--fail); font-weight: bold; }
#failure { border-left: 4px solid var(--fail); background: #fdecea; padding: .4em .8em; }
#failure pre { white-space: pre-wrap; margin: .2em 0; }
code, pre { font-family: ui-monospace, monospace; }
code.copy { background: #f3f3f3; padding: .1em .3em; word-break: break-all; }
#timeline { overflow-x: auto; border: 1px solid #ddd; background: #fcfcfc; }
#timeline svg { display: block; }
.track-label { font-size: 12px; dominant-baseline: middle; }
.track-label.failing { fill: var(--fail); font-weight: bold; }
.lane { stroke: #e0e0e0; stroke-width: 1; }
.lane-band { fill: transparent; }
.lane-band.odd { fill: #f3f5f7; }
.tick { stroke: #ccc; stroke-dasharray: 2 3; }
.tick-label { font-size: 10px; fill: var(--muted); }
.ev { fill: #90a4ae; stroke: #546e7a; stroke-width: .5; cursor: pointer; }
.ev.kind-step { fill: #42a5f5; stroke: #1565c0; }
.ev.kind-callback { fill: #26a69a; stroke: #00695c; }
.ev.kind-set_result { fill: #66bb6a; }
.ev.kind-set_exception, .ev.kind-cancel { fill: #ef9a9a; stroke: var(--fail); }
.ev.on-chain { stroke: var(--chain); stroke-width: 2; }
.ev.failure { fill: var(--fail); stroke: #000; stroke-width: 1.5; }
.ev.selected { stroke: #000; stroke-width: 2.5; }
.cause { fill: none; stroke: var(--cause); stroke-opacity: .45; stroke-width: 1; }
.cause.chain { stroke: var(--chain); stroke-opacity: .9; stroke-width: 2; }
.cause.picked { stroke: #000; stroke-opacity: 1; stroke-width: 2; }
.failure-line { stroke: var(--fail); stroke-width: 1.5; stroke-dasharray: 4 3; }
.failure-label { fill: var(--fail); font-size: 11px; font-weight: bold; }
#details { min-height: 1.4em; font-family: ui-monospace, monospace; white-space: pre-wrap; }
ol#chain li { font-family: ui-monospace, monospace; font-size: 13px; }
ol#chain li.failure { color: var(--fail); font-weight: bold; }
.note { color: var(--muted); font-size: 12px; }
)css";

inline constexpr std::string_view html_report_script = R"js(
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var COLUMN = 18, ROW = 26, LABELS = 190, TOP = 34, PAD = 16;
  function el(name, attributes, parent) {
    var node = document.createElementNS(SVG, name);
    for (var key in attributes) node.setAttribute(key, String(attributes[key]));
    if (parent) parent.appendChild(node);
    return node;
  }
  function text(name, content, attributes, parent) {
    var node = el(name, attributes, parent);
    node.textContent = content;
    return node;
  }
  function formatTime(ns) {
    if (ns === 0) return '0';
    if (ns % 1000000000 === 0) return (ns / 1000000000) + ' s';
    if (ns >= 1000000) return (ns / 1000000) + ' ms';
    if (ns >= 1000) return (ns / 1000) + ' us';
    return ns + ' ns';
  }
  function kindClass(kind) { return 'kind-' + String(kind).replace(/[^a-z0-9_]/g, '_'); }
  function describe(data, e) {
    var track = data.tracks[e.track];
    var parts = ['#' + e.seq, 't=' + formatTime(e.t), e.kind];
    if (track.task !== 0) parts.push('task ' + track.task + ' \u2018' + track.name + '\u2019');
    if (e.of) parts.push('choice ' + e.choice + ' of ' + e.of);
    if (e.when !== undefined) parts.push('when=' + formatTime(e.when));
    if (e.site) parts.push('at ' + e.site);
    if (e.detail) parts.push('\u2014 ' + e.detail);
    if (e.cause) parts.push('(caused by #' + e.cause + ')');
    return parts.join('  ');
  }

  function render() {
    var data = JSON.parse(document.getElementById('trace-data').textContent);
    var events = data.events, bySeq = {};
    events.forEach(function (e, column) { e.column = column; bySeq[e.seq] = e; });
    var width = LABELS + events.length * COLUMN + PAD, height = TOP + data.tracks.length * ROW + PAD;
    var svg = el('svg', {width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img',
                         'aria-label': 'timeline of ' + events.length + ' events over ' + data.tracks.length + ' tracks'});
    var defs = el('defs', {}, svg);
    [['arrow', 'var(--cause)'], ['arrow-chain', 'var(--chain)']].forEach(function (m) {
      var marker = el('marker', {id: m[0], viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, markerUnits: 'userSpaceOnUse',
                                 orient: 'auto-start-reverse'}, defs);
      el('path', {d: 'M 0 0 L 10 5 L 0 10 z', style: 'fill:' + m[1]}, marker);
    });
    function x(e) { return LABELS + e.column * COLUMN + COLUMN / 2; }
    function y(track) { return TOP + track * ROW + ROW / 2; }

    var lanes = el('g', {'class': 'lanes'}, svg);
    data.tracks.forEach(function (track, index) {
      var row = el('g', {'class': 'track', 'data-task': track.task}, lanes);
      el('rect', {'class': 'lane-band' + (index % 2 ? ' odd' : ''), x: 0, y: TOP + index * ROW, width: width, height: ROW}, row);
      el('line', {'class': 'lane', x1: LABELS, x2: width - PAD / 2, y1: y(index), y2: y(index)}, row);
      var label = track.task === 0 ? track.name : track.name + ' (task ' + track.task + ')';
      text('text', label, {'class': 'track-label' + (track.failing ? ' failing' : ''), x: 6, y: y(index)}, row);
    });

    var ticks = el('g', {'class': 'ticks'}, svg), previous = null;
    events.forEach(function (e) {
      if (previous !== null && e.t === previous.t && e.seq === previous.seq + 1) { previous = e; return; }
      var at = x(e) - COLUMN / 2;
      el('line', {'class': 'tick', x1: at, x2: at, y1: TOP - 6, y2: height - PAD / 2}, ticks);
      var gap = previous !== null && e.seq !== previous.seq + 1 ? '\u2026 ' : '';
      text('text', gap + formatTime(e.t), {'class': 'tick-label', x: at + 2, y: TOP - 10}, ticks);
      previous = e;
    });

    var arrows = el('g', {'class': 'arrows'}, svg), arrowCount = 0;
    events.forEach(function (e) {
      var from = bySeq[e.cause];
      if (!from || (from.track === e.track && !(e.chain && from.chain))) return;
      var chain = !!(e.chain && from.chain);
      var x1 = x(from), y1 = y(from.track), x2 = x(e), y2 = y(e.track), d;
      if (y1 === y2) {
        var lift = Math.min(ROW * 0.45, 6 + (x2 - x1) / 6);
        d = 'M ' + x1 + ' ' + (y1 - 5) + ' C ' + x1 + ' ' + (y1 - lift - 5) + ' ' + x2 + ' ' + (y2 - lift - 5) + ' ' + x2 + ' ' + (y2 - 6);
      } else {
        var mid = (x1 + x2) / 2, end = y2 + (y2 > y1 ? -6 : 6);
        d = 'M ' + x1 + ' ' + y1 + ' C ' + mid + ' ' + y1 + ' ' + mid + ' ' + end + ' ' + x2 + ' ' + end;
      }
      var path = el('path', {'class': 'cause' + (chain ? ' chain' : ''), d: d, 'data-from': from.seq, 'data-to': e.seq,
                             'marker-end': chain ? 'url(#arrow-chain)' : 'url(#arrow)'}, arrows);
      text('title', '#' + from.seq + ' \u2192 #' + e.seq, {}, path);
      arrowCount++;
    });

    var marks = el('g', {'class': 'events'}, svg), failure = null;
    events.forEach(function (e) {
      var classes = 'ev ' + kindClass(e.kind) + (e.chain ? ' on-chain' : '') + (e.failure ? ' failure' : '');
      var mark = e.kind === 'step' || e.kind === 'callback'
          ? el('rect', {x: x(e) - 4, y: y(e.track) - 7, width: 8, height: 14, rx: 1.5}, marks)
          : el('circle', {cx: x(e), cy: y(e.track), r: e.failure ? 6 : 3.5}, marks);
      mark.setAttribute('class', classes);
      mark.setAttribute('data-seq', e.seq);
      text('title', describe(data, e), {}, mark);
      mark.addEventListener('click', function () { pick(e); });
      if (e.failure) failure = e;
    });
    if (failure) {
      var fx = x(failure);
      el('line', {'class': 'failure-line', x1: fx, x2: fx, y1: TOP - 4, y2: height - PAD / 2}, svg);
      text('text', '\u2716 failure #' + failure.seq, {'class': 'failure-label', x: Math.max(LABELS, fx - 60), y: 12}, svg);
    }
    document.getElementById('timeline').appendChild(svg);

    var list = document.getElementById('chain');
    if (list) {
      events.filter(function (e) { return e.chain; }).forEach(function (e) {
        var item = document.createElement('li');
        item.className = e.failure ? 'failure' : '';
        item.setAttribute('data-seq', e.seq);
        item.textContent = describe(data, e);
        list.appendChild(item);
      });
    }

    var details = document.getElementById('details');
    function pick(e) {
      svg.querySelectorAll('.selected, .picked').forEach(function (n) { n.classList.remove('selected', 'picked'); });
      var steps = [], at = e;
      while (at && steps.length < events.length) {
        steps.push(describe(data, at));
        var node = svg.querySelector('.ev[data-seq="' + at.seq + '"]');
        if (node) node.classList.add('selected');
        var link = svg.querySelector('.cause[data-to="' + at.seq + '"]');
        if (link) link.classList.add('picked');
        at = bySeq[at.cause];
      }
      details.textContent = steps.join('\n  \u2190 ');
    }

    var root = document.documentElement;
    root.setAttribute('data-events', String(events.length));
    root.setAttribute('data-arrows', String(arrowCount));
    root.setAttribute('data-rendered', 'true');
  }

  try { render(); } catch (error) {
    document.documentElement.setAttribute('data-render-error', String(error && error.message || error));
    var box = document.getElementById('details');
    if (box) box.textContent = 'The timeline could not be drawn: ' + error;
  }
})();
)js";

}  // namespace detsim::detail
