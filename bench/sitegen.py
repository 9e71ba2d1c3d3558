"""Generate N retailer-style privacy-policy pages (about 15 KB of policy text inside realistic chrome).

Deterministic for a seed, so two runs of a benchmark serve the same bytes; ``edit_pages`` rewrites a
share of them with one sentence changed in the policy text (the chrome stays the same).
"""

from __future__ import annotations

import html
import random
from pathlib import Path

__all__ = ["HOSTS", "host_of", "page_path", "write_site", "edit_pages", "policy_page"]

HOSTS = 50  # policies are spread over 127.0.0.1 .. 127.0.0.50

_WORDS = (
    "we collect use share personal information data your account order services providers partners "
    "cookies device location advertising analytics security retain delete request access rights law "
    "enforcement consent purposes third parties process contact email address payment transaction "
    "browser settings choices children transfer safeguards period necessary legitimate interests "
    "comply shipping carrier newsletter offers customer support fraud prevention records"
).split()
_HEADINGS = ("Information We Collect", "How We Use Your Information", "Cookies and Similar Technologies",
             "Sharing With Third Parties", "Advertising and Analytics", "Your Choices", "Data Retention",
             "Security", "Children's Privacy", "International Transfers", "Your Rights",
             "How We Notify You of Changes to Our Policy", "Contact Us")
_CATEGORIES = ("Ink Cartridges", "Toner", "Refill Kits", "Paper", "Labels", "Printers", "Office Supplies",
               "Deals", "Brands", "Business", "Recycling", "Gift Cards")


def host_of(index: int) -> int:
    """The last octet of the loopback address serving page ``index``."""
    return index % HOSTS + 1


def page_path(index: int) -> str:
    return f"/policy/{index:05d}.html"


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(10, 24))).capitalize() + "."


def _policy_blocks(rng: random.Random, target: int) -> list[tuple[str, str]]:
    """(kind, text) blocks, kind in h2/p/li, about ``target`` characters of text."""
    blocks: list[tuple[str, str]] = []
    size, heading = 0, 0
    while size < target:
        if not blocks or rng.random() < 0.12:
            text, kind = _HEADINGS[heading % len(_HEADINGS)], "h2"
            heading += 1
        elif rng.random() < 0.15:
            text, kind = _sentence(rng), "li"
        else:
            text, kind = " ".join(_sentence(rng) for _ in range(rng.randint(2, 5))), "p"
        blocks.append((kind, text))
        size += len(text)
    return blocks


def _render_policy(blocks: list[tuple[str, str]]) -> str:
    out, in_list = [], False
    for kind, text in blocks:
        if kind == "li" and not in_list:
            out.append("<ul class=\"policy-list\">")
            in_list = True
        elif kind != "li" and in_list:
            out.append("</ul>")
            in_list = False
        if kind == "h2":
            out.append(f"<h2 id=\"s{len(out)}\"><span class=\"anchor\"></span>{html.escape(text)}</h2>")
        elif kind == "li":
            out.append(f"  <li><span>{html.escape(text)}</span></li>")
        else:
            out.append(f"<p class=\"policy-text\">{html.escape(text)}</p>")
    if in_list:
        out.append("</ul>")
    return "\n".join(out)


def _chrome(rng: random.Random, store: str, index: int, policy: str) -> str:
    """Header, mega menu, breadcrumbs, sidebar, newsletter, footer, cookie banner, scripts."""
    menu = "\n".join(
        f"<li class=\"menu-item\"><a href=\"/c/{c.lower().replace(' ', '-')}\">{c}</a><ul class=\"sub\">"
        + "".join(f"<li><a href=\"/c/{c.lower().replace(' ', '-')}/{k}\">{c} {rng.choice(_WORDS).title()} {k}</a></li>"
                  for k in range(6)) + "</ul></li>" for c in _CATEGORIES)
    sidebar = "".join(f"<li><a href=\"/help/{k}\">{rng.choice(_WORDS).title()} help {k}</a></li>" for k in range(12))
    footer = "".join(f"<div class=\"col\"><h4>{t}</h4><ul>"
                     + "".join(f"<li><a href=\"/{t.lower()}/{k}\">{rng.choice(_WORDS).title()} {k}</a></li>"
                               for k in range(8)) + "</ul></div>" for t in ("Company", "Shop", "Support", "Legal"))
    css = "".join(f".c{k}{{margin:{k % 7}px;padding:{k % 5}px;color:#{rng.randrange(16**6):06x}}}" for k in range(90))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Privacy Policy | {store}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/site.{index % 97:02d}.css"><style>{css}</style>
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"Organization","name":"{store}","url":"https://www.example{index}.com/"}}</script>
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}}gtag('js',new Date());gtag('config','G-{index:06d}');</script>
</head><body class="page-privacy">
<div class="topbar">Free shipping on orders over $49 | Call 1-800-555-{index % 10000:04d}</div>
<header class="site-header"><a class="logo" href="/"><img src="/logo.png" alt="{store}"></a>
<form class="search" action="/search"><input name="q" placeholder="Search {store}"><button>Search</button></form>
<a href="/account">My Account</a> <a href="/cart">Cart (0)</a></header>
<nav class="mega-menu"><ul>{menu}</ul></nav>
<div class="breadcrumbs"><a href="/">Home</a> &rsaquo; <a href="/help">Help</a> &rsaquo; Privacy Policy</div>
<div class="layout"><aside class="sidebar"><h3>Customer Service</h3><ul>{sidebar}</ul></aside>
<main id="content"><article class="policy"><h1>{store} Privacy Policy</h1>
<p class="updated">Last Revised: January {index % 28 + 1}, 2026</p>
{policy}
</article></main></div>
<section class="newsletter"><h3>Join our list</h3><form action="/subscribe"><input name="email"><button>Sign up</button></form></section>
<footer class="site-footer">{footer}<p class="copyright">&copy; 2026 {store}. All rights reserved.</p></footer>
<div id="cookie-banner" class="cookie">We use cookies to improve your experience. <button>Accept</button></div>
<script src="/assets/app.{index % 13}.js" defer></script>
</body></html>
"""


def policy_page(index: int, *, seed: int = 1, edits: int = 0, text_bytes: int = 15_000) -> bytes:
    """Page ``index``; ``edits`` > 0 replaces one sentence per edit round (same chrome)."""
    rng = random.Random(seed * 1_000_003 + index)
    store = f"{rng.choice(_WORDS).title()}{rng.choice(('Toners', 'Ink', 'Supply', 'Office'))} {index}"
    blocks = _policy_blocks(rng, text_bytes)
    edit_rng = random.Random(seed * 7_919 + index * 31)
    for round_ in range(edits):
        paragraphs = [k for k, (kind, _) in enumerate(blocks) if kind == "p"]
        k = edit_rng.choice(paragraphs)
        sentences = blocks[k][1].split(". ")
        sentences[edit_rng.randrange(len(sentences))] = f"Revision {round_ + 1}: " + _sentence(edit_rng).rstrip(".")
        blocks[k] = ("p", ". ".join(sentences))
    return _chrome(rng, store, index, _render_policy(blocks)).encode()


def write_site(root: Path, n: int, *, seed: int = 1) -> list[str]:
    """Write pages 0..n-1 and a permissive robots.txt under ``root``; returns the page paths."""
    (root / "policy").mkdir(parents=True, exist_ok=True)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    for index in range(n):
        (root / page_path(index).lstrip("/")).write_bytes(policy_page(index, seed=seed))
    return [page_path(i) for i in range(n)]


def edit_pages(root: Path, indexes: list[int], *, seed: int = 1, edits: int = 1) -> None:
    """Rewrite the given pages with ``edits`` sentence changes in their policy text."""
    for index in indexes:
        (root / page_path(index).lstrip("/")).write_bytes(policy_page(index, seed=seed, edits=edits))
