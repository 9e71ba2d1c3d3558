"""Scrapy settings for policydiff, each with the reason it is set.

`scrapy crawl policy` from the repository root and `policydiff crawl` both use these.
"""

BOT_NAME = "policydiff"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Politeness: an honest name with a contact URL, robots.txt obeyed, one request at a time per site.
USER_AGENT = "policydiff/0.1 (privacy-policy archive; +https://github.com/policydiff/policydiff)"
ROBOTSTXT_OBEY = True
# Scrapy's own defaults, stated here because the direct path (crawler/direct.py) sends them too: one
# request, whichever path sends it (a server may answer another language to other headers).
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
}
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0  # seconds between requests to one site; we fetch one page a day, there is no hurry
CONCURRENT_REQUESTS = 32  # many sites at once: each gets its own slot and delay
# Our spider yields one item per response; Scrapy starts this many item tasks per response whatever
# their number (100 by default: 100,000 asyncio tasks for a 1000-policy crawl, seconds of CPU).
CONCURRENT_ITEMS = 1

# Failures: retry transient errors inside the run, waiting longer each time (or as Retry-After says).
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry, doubled for each further one
RETRY_BACKOFF_MAX = 60.0  # never wait longer than this for one retry, whatever Retry-After says
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
}
DOWNLOAD_TIMEOUT = 30  # a policy page that takes longer is a failure for this run
DNS_TIMEOUT = 15
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024  # no policy page is this large; larger is a wrong URL or an attack
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
REDIRECT_MAX_TIMES = 5  # a redirect chain longer than this is a loop
# Only http(s): a redirect or <meta refresh> to file:, ftp:, s3: or data: must never read local files or
# reach other services (Scrapy enables those handlers by default). Such a request fails as "scheme".
DOWNLOAD_HANDLERS = {"file": None, "ftp": None, "s3": None, "data": None}

# We judge every response ourselves (a 403 or 404 is a recorded fetch, not a dropped request).
HTTPERROR_ALLOW_ALL = True
# Conditional GET headers come from the archive; Scrapy's HTTP cache would hide the 304s we log.
HTTPCACHE_ENABLED = False
COOKIES_ENABLED = False  # policies are public pages; cookies only invite consent walls and tracking
TELNETCONSOLE_ENABLED = False  # no open port on the operator's machine
LOG_LEVEL = "WARNING"  # cron mails only what matters; `policydiff crawl -v` shows more
LOG_FORMATTER = "crawler.logformat.PolicyLogFormatter"  # an unwritable archive is one line, not a traceback

ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}

# Plain fetches (304s, 200s from the page's own URL) go over keep-alive connections without Scrapy's
# per-request machinery, 20x less CPU; the spider takes redirects, retries and refusals (crawler/direct.py).
POLICYDIFF_DIRECT = True

# Where the archive and the configuration are (the CLI sets these from --db/--config).
POLICYDIFF_DB = None
POLICYDIFF_CONFIG = None
