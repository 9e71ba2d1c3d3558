"""Offline sample sites of the two tracked retailers (used by `policydiff demo` and the tests).

Each site renders the same policy text (policies.py) inside different page templates, with optional
chrome-only and policy edits, any charset and any Cloudflare e-mail key, and states what extraction
must give: the exact text, the policy's sentences, and the chrome lines that must not survive.
"""

from __future__ import annotations

import re
from dataclasses import fields
from types import ModuleType

from . import megatoners, tonerrefillkits
from .model import Email, P, cf_encode, edit_blocks, expected_text as _expected, render_blocks
from .policies import MEGATONERS, TONERREFILLKITS

__all__ = ["SITES", "TEMPLATES", "url", "render_page", "content_type", "expected_text", "policy_paragraphs",
           "policy_sentences", "chrome_lines", "policy_edit", "emails", "cf_encode"]

_MODULES: dict[str, tuple[ModuleType, tuple]] = {
    "tonerrefillkits": (tonerrefillkits, TONERREFILLKITS),
    "megatoners": (megatoners, MEGATONERS),
}
SITES: tuple[str, ...] = tuple(_MODULES)
TEMPLATES: dict[str, tuple[str, ...]] = {site: mod.TEMPLATES for site, (mod, _) in _MODULES.items()}


def _site(site: str) -> tuple[ModuleType, tuple]:
    try:
        return _MODULES[site]
    except KeyError:
        raise ValueError(f"unknown site {site!r}; known: {', '.join(SITES)}") from None


def _blocks(site: str, edit: bool) -> tuple:
    mod, blocks = _site(site)
    return edit_blocks(blocks, *mod.POLICY_EDIT) if edit else blocks


def url(site: str) -> str:
    """The policy page's URL on the live site."""
    return _site(site)[0].URL


def policy_edit(site: str) -> tuple[str, str]:
    """(old, new): the one sentence fragment `policy_edit=True` changes."""
    return _site(site)[0].POLICY_EDIT


def render_page(site: str, *, template: str = "default", policy_edit: bool = False, chrome_edit: bool = False,
                encoding: str = "utf-8", cf_key: int = 0x5A) -> bytes:
    """The page's bytes; the charset is declared in a <meta> (see content_type for the header)."""
    mod, _ = _site(site)
    if template not in mod.TEMPLATES:
        raise ValueError(f"unknown template {template!r} for {site}; known: {', '.join(mod.TEMPLATES)}")
    if not 0 <= cf_key <= 255:
        raise ValueError("cf_key must be a byte")
    policy = render_blocks(_blocks(site, policy_edit), mod.style(template, cf_key), indent="        ")
    html = mod.page(template, policy, mod.chrome(chrome_edit), encoding)
    return html.encode(encoding, errors="xmlcharrefreplace")


def content_type(encoding: str = "utf-8") -> str:
    return f"text/html; charset={encoding}"


def expected_text(site: str, *, policy_edit: bool = False) -> str:
    """Exactly what extraction of any template of the site must give (docs/design.md format)."""
    return _expected(_blocks(site, policy_edit))


def policy_paragraphs(site: str, *, policy_edit: bool = False) -> list[str]:
    """The policy's paragraphs, headings and list items as extracted text (no Markdown markers)."""
    out = []
    for block in expected_text(site, policy_edit=policy_edit).split("\n\n"):
        out += [re.sub(r"^(#+|-) ", "", line) for line in block.split("\n")]
    return out


_SENTENCE = re.compile(r"(?<=[.!?])[\"')]?\s+(?=[A-Z\"(])")


def policy_sentences(site: str, *, policy_edit: bool = False) -> list[str]:
    """Every sentence of the policy (split on sentence punctuation), to check none is lost."""
    return [s for par in policy_paragraphs(site, policy_edit=policy_edit) for s in _SENTENCE.split(par) if s]


def emails(site: str) -> list[str]:
    """The addresses in the policy (obfuscated on the Cloudflare-protected site)."""
    found = []
    for block in _site(site)[1]:
        if isinstance(block, P):
            found += [p.addr for p in block.parts if isinstance(p, Email)]
    return found


def chrome_lines(site: str, *, chrome_edit: bool = False) -> list[str]:
    """Every line of site chrome the templates print (none may survive extraction)."""
    mod, _ = _site(site)
    c = mod.chrome(chrome_edit)
    lines: list[str] = []
    for f in fields(c):
        value = getattr(c, f.name)
        lines += [v.strip() for v in value] if isinstance(value, tuple) else [value]
    lines += _EXTRA[site]
    policy = set(policy_paragraphs(site))
    return sorted({line for line in lines if line and line not in policy})


_EXTRA = {
    "tonerrefillkits": ["Welcome to TonerRefillKits.com", "TonerRefillKits.com THE Toner Experts Since 1987", "( )",
                        "About Us", "My Account", "My Cart", "Checkout", "Log In", "Sign In", "Create Account",
                        "Live Chat", "Shop by brands", "Home", "Privacy", "QUICK LINKS", "INFORMATION",
                        "CUSTOMER SERVICES", "Newsletter", "Sign Up for Our Newsletter:", "Submit", "Learn more",
                        "Allow Cookies", "Skip to content", "Accept"],
    "megatoners": ["Megatoners.com", "Questions?", "Call us toll free at", "Shop by Brand", "made by",
                   "made by Web Design Pros"],
}
