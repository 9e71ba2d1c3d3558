"""TonerRefillKits.com: a 2020 Magento-like store page and a 2024 redesign with semantic tags."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Style

__all__ = ["URL", "TEMPLATES", "POLICY_EDIT", "Chrome", "chrome", "style", "page"]

URL = "https://tonerrefillkits.com/privacy/"
TEMPLATES = ("default", "2024")
# The policy edit: one sentence of the change-notification clause.
POLICY_EDIT = (
    "we will notify customers by way of an email.",
    "we will notify customers by way of an email at least 30 days before the change takes effect.",
)


@dataclass(frozen=True)
class Chrome:
    phones: str
    hours: str
    days: str
    brands_short: tuple[str, ...]
    brands: tuple[str, ...]
    info: tuple[str, ...]
    quick_links: tuple[str, ...]
    information: tuple[str, ...]
    customer_services: tuple[str, ...]
    copyright: str
    cookie: str


def chrome(edit: bool = False) -> Chrome:
    """The site chrome; `edit` changes only chrome (phone, brand menus, copyright year)."""
    brands = ["Brother", "Canon", "Dell", "Hewlett Packard / HP", "Lexmark", "ReChargX", "Samsung", "Xerox"]
    short = ["Brother", "Canon", "Dell", "HP", "Lexmark", "ReChargX", "Samsung", "Xerox"]
    if edit:
        brands.insert(6, "Ricoh")
        short.insert(6, "Ricoh")
    return Chrome(
        phones="800.527.3712 / 352.343.7533" if not edit else "800.527.3712 / 352.343.7500",
        hours="9am - 5pm" if not edit else "9am - 6pm",
        days="M - F (ET)",
        brands_short=(*short, "More Brands"),
        brands=(*brands, "More Brands"),
        info=("Order by Kit #", "ReChargX Accessories", "Testimonials", "100% Guarantee", "About Toner",
              "Toner FAQs", "Tech Support"),
        quick_links=("Home", "About Us", "Contact Us", "Privacy", "Legal", "Technical Support"),
        information=("Newsletter Unsubscribe", "Secure Shopping", "International Shipping", "Sitemap",
                     "Terms of Use", "No Time Limit - No \u2018Fine Print\u2019 Guarantee"),
        customer_services=("Shipping & Returns", "View Cart", "Track My Order", "Can\u2019t Find Your Model?", "Help"),
        copyright=(f"\u00a9 1987 - {2024 if edit else 2020} TonerRefillKits.Com. All Rights Reserved. ReChargX\u00ae, "
                   "TonerRefillKits.com\u00ae and designs are U.S. registered trademarks"),
        cookie=("We use cookies to give you the best shopping experience. By continuing to browse our "
                "store you agree to our use of cookies."),
    )


def _slug(text: str) -> str:
    return "/" + "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") + "/"


def _links(items: tuple[str, ...], indent: str, li_class: str = "") -> str:
    cls = f' class="{li_class}"' if li_class else ""
    return "".join(f'\n{indent}<li{cls}><a href="{_slug(i)}">{_esc(i)}</a></li>' for i in items)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


def style(template: str, cf_key: int) -> Style:
    if template == "2024":
        return Style(bold="b", paragraphs="p", cloudflare=True, cf_key=cf_key, wrap=96,
                     attrs='class="policy-text" data-block="cms"')
    return Style(bold="strong", paragraphs="p", cloudflare=True, cf_key=cf_key)


def page(template: str, policy_html: str, c: Chrome, charset: str) -> str:
    return _PAGES[template](policy_html, c, charset)


_CF_SCRIPT = ('<script data-cfasync="false" '
              'src="/cdn-cgi/scripts/5c5dd728/cloudflare-static/email-decode.min.js"></script>')


def _default(policy: str, c: Chrome, charset: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="{charset}">
<title>Privacy Policy | TonerRefillKits.com</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" type="text/css" media="all" href="/static/version1583264913/frontend/Trk/default/en_US/css/styles-m.css">
<script type="text/javascript">var BASE_URL = 'https://tonerrefillkits.com/'; var require = {{"baseUrl":"/static/frontend"}};</script>
<script>(function(w,d,s,l,i){{w[l]=w[l]||[];w[l].push({{'gtm.start':new Date().getTime(),event:'gtm.js'}});}})(window,document,'script','dataLayer','GTM-5XK2Q7');</script>
<style>.cookie-notice{{position:fixed;bottom:0}} .mobile-menu{{display:none}}</style>
</head>
<body data-container="body" class="cms-privacy cms-page-view page-layout-2columns-left">
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-5XK2Q7" height="0" width="0"></iframe></noscript>
<div class="page-wrapper">
<div class="panel wrapper"><div class="panel header">
  <span class="welcome">Welcome to TonerRefillKits.com</span><ul class="header links">{_links(("About Us", "My Account", "My Cart", "Checkout", "Log In"), "    ")}
  </ul>
  <div class="header-contact"><span class="phone">{c.phones}</span><br><span class="hours">{c.hours}</span><br><span class="days">{c.days}</span></div>
</div></div>
<div class="page-header"><div class="header content">
  <a class="logo" href="/" title="TonerRefillKits.com"><img src="/media/logo/default/logo.png" alt="TonerRefillKits.com"></a>
  <span class="tagline">TonerRefillKits.com THE Toner Experts Since 1987</span>
  <span data-action="toggle-nav" class="action nav-toggle">( )</span>
  <ul class="mobile-account">{_links(("About Us", "Sign In", "Create Account", "Checkout", "Live Chat"), "    ")}
  </ul>
  <div class="block block-search"><form class="form minisearch" action="/catalogsearch/result/" method="get"><input name="q" placeholder="Search by printer model"><button type="submit" title="Search"></button></form></div>
</div></div>
<div class="sections nav-sections mobile-menu">
  <div class="section-item-title">Shop by brands</div>
  <ul class="brand-menu">{_links(c.brands, "    ")}
  </ul>
  <ul class="account-links">{_links(("My Account", "My Cart", "Checkout", "Log In"), "    ")}
  </ul>
  <div class="header-contact"><span class="phone">{c.phones}</span><br><span class="hours">{c.hours}</span><br><span class="days">{c.days}</span></div>
</div>
<div class="navigation-bar"><ul class="level0 topmenu">{_links(("Home", *c.brands_short), "  ", "level0")}
</ul></div>
<div class="columns">
<div class="sidebar sidebar-additional">
  <ul class="brand-list">{_links(("Home", *c.brands), "    ")}
  </ul>
  <ul class="info-list">{_links(c.info, "    ")}
  </ul>
</div>
<div class="column main">
  <div class="breadcrumbs"><ul class="items"><li class="item home"><a href="/" title="Go to Home Page">Home</a></li><li class="item cms_page"><strong>Privacy</strong></li></ul></div>
  <input name="form_key" type="hidden" value="q0rVdJkTrF1ZbKx2">
  <div class="std">
{policy}
  </div>
</div>
</div>
<div class="brand-footer block">
  <ul class="brand-list">{_links(c.brands, "    ")}
  </ul>
  <ul class="info-list">{_links(c.info, "    ")}
  </ul>
</div>
<div class="footer-container"><div class="footer content">
  <div class="footer-col"><h4>QUICK LINKS</h4><ul>{_links(c.quick_links, "    ")}
  </ul></div>
  <div class="footer-col"><h4>INFORMATION</h4><ul>{_links(c.information, "    ")}
  </ul></div>
  <div class="footer-col"><h4>CUSTOMER SERVICES</h4><ul>{_links(c.customer_services, "    ")}
  </ul></div>
  <div class="block newsletter"><div class="title">Newsletter</div>
    <form class="form subscribe" action="/newsletter/subscriber/new/" method="post">
      <label for="newsletter">Sign Up for Our Newsletter:</label>
      <input name="email" type="email" id="newsletter" placeholder="Enter your email address">
      <input name="form_key" type="hidden" value="q0rVdJkTrF1ZbKx2">
      <button class="action subscribe primary" type="submit">Submit</button>
    </form></div>
  <small class="copyright"><span>{c.copyright}</span></small>
</div></div>
<div class="cookie-notice" id="notice-cookie-block">{c.cookie} <a href="/privacy/">Learn more</a> <button id="btn-cookie-allow">Allow Cookies</button></div>
</div>
<img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id=1630913017&amp;ev=PageView&amp;noscript=1">
<img src="https://bat.bing.com/action/0?ti=5166271&amp;Ver=2" height="0" width="0" style="display:none; visibility: hidden;">
{_CF_SCRIPT}
<script type="text/x-magento-init">{{"*": {{"Magento_Ui/js/core/app": {{"components": {{"customer": {{"component": "Magento_Customer/js/view/customer"}}}}}}}}}}</script>
</body>
</html>
"""


def _redesign(policy: str, c: Chrome, charset: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
  <meta http-equiv="Content-Type" content="text/html; charset={charset}">
  <title>Privacy &ndash; TonerRefillKits.com</title>
  <script async src="https://www.googletagmanager.com/gtag/js?id=G-8Z1TRK"></script>
  <script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}} gtag('js', new Date());</script>
</head>
<body class="template-page">
  <a class="skip-to-content" href="#MainContent">Skip to content</a>
  <div role="region" aria-label="Cookie banner" class="consent-banner"><p>{c.cookie}</p><button>Accept</button></div>
  <header class="site-header">
    <div class="announcement">Welcome to TonerRefillKits.com</div>
    <div class="utility-bar">
      <ul class="utility-links">{_links(("About Us", "My Account", "My Cart", "Checkout", "Log In"), "        ")}
      </ul>
      <address class="contact"><a href="tel:8005273712">{c.phones}</a> <span>{c.hours}</span> <span>{c.days}</span></address>
    </div>
    <a href="/" class="logo"><img src="/cdn/shop/files/trk-logo.svg" alt="TonerRefillKits.com"></a>
    <p class="tagline">TonerRefillKits.com THE Toner Experts Since 1987</p>
    <nav aria-label="Primary">
      <details class="mega"><summary>Shop by brands</summary><ul>{_links(c.brands, "        ")}
      </ul></details>
      <ul class="primary-menu">{_links(("Home", *c.brands_short), "        ")}
      </ul>
    </nav>
  </header>
  <div class="page-width">
    <aside class="sidebar">
      <ul>{_links(c.brands, "        ")}
      </ul>
      <ul>{_links(c.info, "        ")}
      </ul>
    </aside>
    <main id="MainContent" role="main">
      <nav class="breadcrumb" aria-label="breadcrumbs"><a href="/">Home</a> <span aria-hidden="true">/</span> <span>Privacy</span></nav>
      <form style="display:none"><input type="hidden" name="authenticity_token" value="Zm9vYmFyYmF6cXV4"></form>
      <article class="rte">
{policy}
      </article>
    </main>
  </div>
  <footer class="site-footer">
    <div class="footer-block"><h2>QUICK LINKS</h2><ul>{_links(c.quick_links, "      ")}
    </ul></div>
    <div class="footer-block"><h2>INFORMATION</h2><ul>{_links(c.information, "      ")}
    </ul></div>
    <div class="footer-block"><h2>CUSTOMER SERVICES</h2><ul>{_links(c.customer_services, "      ")}
    </ul></div>
    <form method="post" action="/contact#newsletter" class="newsletter-form">
      <h2>Newsletter</h2>
      <label>Sign Up for Our Newsletter:</label>
      <input type="hidden" name="form_type" value="customer"><input type="email" name="contact[email]">
      <button type="submit">Submit</button>
    </form>
    <p class="copyright">{c.copyright}</p>
  </footer>
  <img src="https://ct.pinterest.com/v3/?tid=2612&amp;event=init&amp;noscript=1" width="1" height="1" alt="">
  {_CF_SCRIPT}
</body>
</html>
"""


_PAGES = {"default": _default, "2024": _redesign}
