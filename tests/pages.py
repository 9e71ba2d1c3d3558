"""Small policy pages for archive and crawl tests (the realistic retailer pages are policydiff.sites)."""

from __future__ import annotations

SECTIONS = [
    ("Information We Collect", "We collect your name, postal address and email address when you place an "
     "order with us, and the pages you visit on our site so that we can improve it for everyone."),
    ("How We Use Information", "We use the information we collect to process your orders, to answer your "
     "questions and, if you agree, to send you news about our products and special offers."),
    ("Sharing", "We do not sell, trade or rent your personal information to others. We share it only with the "
     "carriers and payment processors that complete your order, and when the law requires it."),
    ("Changes to This Policy", "If we change this policy, we will post the changes on this page for seven (7) "
     "days so that you always know what information we collect and how we use it."),
]


def policy_html(sections=SECTIONS, *, title: str = "Privacy Policy", chrome: str = "Call us: 555-0100",
                extra: str = "") -> str:
    body = "".join(f"<h2>{heading}</h2>\n<p>{text}</p>\n" for heading, text in sections)
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head><body>"
            f"<header><nav><a href='/'>Home</a> <a href='/cart'>Cart</a> {chrome}</nav></header>"
            f"<main><h1>{title}</h1>\n{body}{extra}</main>"
            f"<footer><a href='/about'>About</a> <a href='/contact'>Contact</a> © 2024 Example Shop</footer>"
            f"</body></html>")


def edited(section: int, text: str) -> list:
    sections = list(SECTIONS)
    sections[section] = (sections[section][0], text)
    return sections
