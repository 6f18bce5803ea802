"""The stepper's HTML page: one document holding the pictures (each laid out once), the steps
and the graph as JSON, the op rows' browser rules (:mod:`viz.rules`), the lab's controls
(:mod:`viz.panel`) and the script (:mod:`viz.script`) that changes texts, colours and the
camera. Fields are ``{name}`` (see :mod:`viz.stepper`)."""

from __future__ import annotations

from viz.panel import PANEL_CSS, PANEL_HTML
from viz.script import SCRIPT

__all__ = ["PAGE"]

_HTML = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
* { box-sizing: border-box; }
html, body { height: 100%; }
body { font-family: system-ui, sans-serif; margin: 0; color: #222; display: flex;
  flex-direction: column; overflow: hidden; font-size: max(16px, 1.9vh); }
header { padding: 0.4rem 0.8rem 0.25rem; }
#top { display: flex; flex-wrap: wrap; align-items: center; gap: 0.3rem 1rem; }
h1 { font-size: 1.2em; margin: 0; font-family: ui-monospace, monospace; overflow-wrap: anywhere;
  flex: 1 1 12em; min-width: 0; }
#controls { display: flex; gap: 0.4rem; align-items: center; flex-wrap: wrap; min-width: 0; }
button { font: inherit; padding: 0.15em 0.6em; }
#slider { width: 10em; min-width: 5em; flex: 0 1 10em; }
#step-label { font-weight: bold; overflow-wrap: anywhere; }
#size-note, #no-pictures { margin: 0.25rem 0 0; color: #8a4b00; font-size: 0.85em; }
main { flex: 1; display: grid; grid-template-columns: minmax(0, 1fr) clamp(16rem, 31vw, 42rem);
  gap: 0.7rem; padding: 0 0.8rem 0.3rem; min-height: 0; }
#picture { display: flex; flex-direction: column; min-height: 0; min-width: 0;
  border: 1px solid #ccc; border-radius: 4px; overflow: hidden; background: #fff;
  position: relative; }
#toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.25rem 0.7rem;
  padding: 0.2rem 0.4rem; border-bottom: 1px solid #ddd; background: #f6f6f6;
  font-size: 0.85em; }
#views, #zoom { display: flex; gap: 0.25rem; align-items: center; flex-wrap: wrap; }
#zoom { margin-left: auto; }
#toolbar button { min-width: 2em; }
#views button[aria-pressed="true"] { background: #444; color: #fff; border: 1px solid #444;
  border-radius: 3px; }
#viewport { position: relative; flex: 1; min-height: 0; overflow: hidden; cursor: grab;
  touch-action: none; }
#viewport.dragging { cursor: grabbing; }
#stage { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
#stage.glide { transition: transform 0.35s ease; }
@media (prefers-reduced-motion: reduce) { #stage.glide { transition: none; } }
#stage svg { display: block; }
.view[hidden] { display: none; }
g.edge polygon.tail { display: none; }
g.edge.back polygon.tail { display: inline; }
g.edge.back polygon.head { display: none; }
g.edge text { paint-order: stroke; stroke: #fff; stroke-width: 3px; }
g.edge text.flow { font-weight: bold; fill: #a33c00; }
text.got { font-weight: bold; fill: #a33c00; }
#explain { overflow: auto; min-height: 0; flex: 1 1 auto; font-size: max(18px, 2.35vh);
  line-height: 1.35; }
#explain p { margin: 0.35em 0; }
#explain pre { background: #f4f4f4; padding: 0.4em 0.5em; white-space: pre-wrap;
  overflow-wrap: anywhere; margin: 0.3em 0; font-size: 1em; }
footer { display: flex; flex-wrap: wrap; gap: 0.2rem 1.2rem; padding: 0 0.8rem 0.3rem;
  font-size: 0.8em; color: #555; align-items: center; }
#legend { display: flex; flex-wrap: wrap; gap: 0.2rem 0.8rem; }
.key i { display: inline-block; width: 0.9em; height: 0.9em; border: 1px solid #888;
  vertical-align: -0.1em; margin-right: 0.3em; }
#help { position: fixed; inset: 0; background: rgba(0, 0, 0, 0.45); display: flex;
  align-items: center; justify-content: center; z-index: 10; }
#help[hidden] { display: none; }
#help > div { background: #fff; padding: 1rem 1.5rem; border-radius: 6px; max-width: 90vw;
  max-height: 90vh; overflow: auto; font-size: max(18px, 2.2vh); }
#help table { border-collapse: collapse; }
#help td { padding: 0.15em 0.8em 0.15em 0; vertical-align: top; }
#help kbd { font-family: ui-monospace, monospace; background: #eee; border: 1px solid #bbb;
  border-radius: 3px; padding: 0 0.3em; }
g.cluster > text, g.node[id*="g"] { cursor: pointer; }
@media (max-width: 760px) {
  main { grid-template-columns: minmax(0, 1fr); grid-template-rows: minmax(0, 1fr) auto; }
  #explain { max-height: 38vh; }
}{labcss}</style>
</head>
<body>
<header>
<div id="top">
<h1 id="title">{title}</h1>
<div id="controls">
<button id="prev" type="button" title="previous step (left arrow, Page Up)">&#9664; Prev</button>
<button id="play" type="button" title="play / pause">Play</button>
<button id="next" type="button" title="next step (right arrow, Space, Page Down)">Next
&#9654;</button>
<input id="slider" type="range" min="0" max="{last}" value="0" aria-label="step">
<span id="step-label"></span>
</div>
</div>
{note}
</header>
<main>
<div id="picture">
<div id="toolbar">{viewbuttons}
<span id="zoom">
<button id="zoom-out" type="button" title="zoom out (-)">&minus;</button>
<button id="zoom-in" type="button" title="zoom in (+)">+</button>
<button id="fit" type="button" title="the whole picture (0); the next step comes back">Fit</button>
<button id="full" type="button" title="full screen (f)">Full screen</button>
<button id="keys" type="button" title="every key (?)">?</button>
</span>
</div>
<div id="viewport"><div id="stage">{views}</div></div>
</div>
<div id="side">
{lab}
<div id="explain" aria-live="polite"></div>
</div>
</main>
<footer><div id="legend">{legend}</div>
<span class="hint">&rarr; next, &larr; back, ? every key; drag to move the picture; click an
underlined number to change it</span></footer>
<div id="help" hidden role="dialog" aria-label="keys"><div>
<table>
<tr><td><kbd>&rarr;</kbd> <kbd>Space</kbd> <kbd>Page Down</kbd></td><td>next step</td></tr>
<tr><td><kbd>&larr;</kbd> <kbd>Page Up</kbd></td><td>previous step</td></tr>
<tr><td><kbd>Home</kbd> / <kbd>End</kbd></td><td>step 0 / the last step</td></tr>
<tr><td><kbd>b</kbd></td><td>the first backward step</td></tr>
<tr><td><kbd>f</kbd></td><td>full screen on / off</td></tr>
<tr><td><kbd>0</kbd></td><td>the whole picture (the next step comes back to it)</td></tr>
<tr><td><kbd>+</kbd> <kbd>&minus;</kbd></td><td>zoom in / out (also Ctrl + wheel)</td></tr>
<tr><td><kbd>?</kbd> / <kbd>Esc</kbd></td><td>show / hide this list</td></tr>
<tr><td>click a number</td><td>change it (an underlined one: an input, a parameter, a
number in the expression); Enter recomputes every value and gradient</td></tr>
</table>
<p>Drag to move the picture; the address ends in #step=N, so a step can be linked to.</p>
</div></div>
<script type="application/json" id="steps">{data}</script>
{rules}
<script>
{script}
</script>
</body>
</html>
"""

PAGE = _HTML.replace("{script}", SCRIPT).replace("{lab}", PANEL_HTML).replace("{labcss}", PANEL_CSS)
