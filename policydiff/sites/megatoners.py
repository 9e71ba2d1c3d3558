"""MegaToners.com: a 2000s table layout (<font>, <br><br> paragraphs) and a 2024 semantic redesign."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Style

__all__ = ["URL", "TEMPLATES", "POLICY_EDIT", "Chrome", "chrome", "style", "page"]

URL = "http://www.megatoners.com/privacypolicy.html"
TEMPLATES = ("default", "2024")
# The policy edit: the posting period of the change clause.
POLICY_EDIT = ("we will post those changes here for seven (7) days",
               "we will post those changes here for thirty (30) days")


@dataclass(frozen=True)
class Chrome:
    phone: str
    top_links: tuple[str, ...]
    brands: tuple[str, ...]
    footer_links: tuple[str, ...]
    copyright: str


def chrome(edit: bool = False) -> Chrome:
    """The site chrome; `edit` changes only chrome (phone, brand column, copyright year)."""
    brands = ["Apollo", "Apple", "Brother", "Cables", "Canon", "Compaq", "Dell", "Epson Compatible & Genuine",
              "Gestetner", "Hewlett Packard", "IBM", "Kodak", "Konica - Minolta", "Kyocera - Mita", "Lexmark",
              "NEC", "Okidata", "Panasonic", "Pitney Bowes", "Ricoh", "Samsung", "Sharp", "Tektronix", "Toshiba",
              "Xerox"]
    if edit:
        brands.remove("Apollo")
        brands.insert(16, "Oc\u00e9")
    return Chrome(
        phone="(800)810-5408" if not edit else "(800)810-5499",
        top_links=("Contact us", "affiliate program", "privacy policy", "about us", "support", "shopping cart"),
        brands=tuple(brands),
        footer_links=("Our Guarantee", "Affiliate Program", "Privacy Policy", "About Us ", " Contact Us", "Support"),
        copyright=f"Copyright \u00a9 1999-{2021 if edit else 2020} Mega Toners, Inc. All rights reserved.",
    )


def _href(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum()) + ".html"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


def style(template: str, cf_key: int) -> Style:
    if template == "2024":
        return Style(bold="strong", paragraphs="p", wrap=88, attrs='class="copy"')
    # The old page: <br><br> between paragraphs, bold headings with <font size>.
    return Style(bold="b", paragraphs="br", heading_font=True)


def page(template: str, policy_html: str, c: Chrome, charset: str) -> str:
    return _PAGES[template](policy_html, c, charset)


def _default(policy: str, c: Chrome, charset: str) -> str:
    top = " | ".join(f'<a href="{_href(t)}"><font color="#FFFFFF">{t}</font></a>' for t in c.top_links)
    brands = "<br>\n".join(f'<a href="/{_href(b)}" class="brandlink">{_esc(b)}</a>' for b in c.brands)
    footer = "|".join(f'<a href="{_href(t)}">{t}</a>' for t in c.footer_links)
    return f"""<html>
<head>
<title>Mega Toners - Privacy Policy - Laser Toner Cartridges</title>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<meta name="keywords" content="toner, laser toner, toner cartridges, megatoners">
<script language="JavaScript">
<!--
function MM_swapImgRestore() {{ var i,x,a=document.MM_sr; for(i=0;a&&i<a.length&&(x=a[i])&&x.oSrc;i++) x.src=x.oSrc; }}
//-->
</script>
</head>
<body bgcolor="#FFFFFF" leftmargin="0" topmargin="0" marginwidth="0" marginheight="0" onLoad="MM_preloadImages('images/nav_on.gif')">
<table width="760" border="0" cellpadding="0" cellspacing="0" align="center">
  <tr>
    <td colspan="2">
      <table width="100%" border="0" cellspacing="0" cellpadding="4">
        <tr>
          <td width="60%"><a href="index.html"><font face="Arial, Helvetica, sans-serif" size="6" color="#003366"><b>Megatoners.com</b></font></a></td>
          <td align="right" valign="middle"><font face="Arial, Helvetica, sans-serif" size="2">Questions?<br>
            Call us toll free at<br>
            <b><font size="4" color="#CC0000">{c.phone}</font></b></font></td>
        </tr>
      </table>
    </td>
  </tr>
  <tr>
    <td colspan="2" bgcolor="#003366" height="22"><font face="Verdana, Arial" size="1">{top}</font></td>
  </tr>
  <tr>
    <td width="160" valign="top" bgcolor="#E8EEF4">
      <table width="100%" border="0" cellpadding="6"><tr><td><font face="Verdana, Arial" size="1">
{brands}
      </font></td></tr></table>
    </td>
    <td width="600" valign="top">
      <table width="100%" border="0" cellpadding="10" cellspacing="0">
        <tr>
          <td valign="top"><font face="Verdana, Arial, Helvetica, sans-serif" size="2">
{policy}
          </font></td>
        </tr>
      </table>
    </td>
  </tr>
  <tr>
    <td colspan="2" align="center"><hr size="1" noshade>
      <font face="Verdana, Arial" size="1">{footer}<br>
      {c.copyright}<br>
      made by <a href="http://www.webdesignpros.example/"><img src="images/wdp.gif" border="0" alt=""></a></font>
    </td>
  </tr>
</table>
<img src="http://www.megatoners.com/cgi-bin/counter.pl?page=privacy" width="1" height="1">
</body>
</html>
"""


def _redesign(policy: str, c: Chrome, charset: str) -> str:
    top = "".join(f'<li><a href="/{_href(t)}">{t}</a></li>' for t in c.top_links)
    brands = "".join(f'\n        <li><a href="/{_href(b)}">{_esc(b)}</a></li>' for b in c.brands)
    footer = "".join(f'<li><a href="/{_href(t)}">{t.strip()}</a></li>' for t in c.footer_links)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="{charset}">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Privacy Policy | Mega Toners</title>
  <link rel="stylesheet" href="/assets/site.css">
</head>
<body>
  <header class="masthead">
    <a class="brand" href="/">Megatoners.com</a>
    <p class="hotline">Questions? Call us toll free at <a href="tel:+18008105408">{c.phone}</a></p>
    <nav class="top-nav"><ul>{top}</ul></nav>
  </header>
  <div class="layout">
    <aside class="brand-column">
      <h3>Shop by Brand</h3>
      <ul>{brands}
      </ul>
    </aside>
    <main>
      <section class="page-body">
{policy}
      </section>
    </main>
  </div>
  <footer>
    <ul class="footer-links">{footer}</ul>
    <p>{c.copyright}</p>
    <p class="credit">made by Web Design Pros</p>
  </footer>
</body>
</html>
"""


_PAGES = {"default": _default, "2024": _redesign}
