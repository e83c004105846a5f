"""REST API settings (issue 19): read from the environment only; see procurement.conf.

- BATON_API_TOKEN_MAX_DAYS: the longest a personal API token may live (default 365 days).
- BATON_API_PAGE_MAX: the largest `limit` a list accepts (default 100); BATON_API_PAGE_DEFAULT: the limit when
  none is given (default 25).
"""


def settings_for(env) -> dict:
    return {
        "BATON_API_TOKEN_MAX_DAYS": env.int("BATON_API_TOKEN_MAX_DAYS", default=365),
        "BATON_API_PAGE_MAX": env.int("BATON_API_PAGE_MAX", default=100),
        "BATON_API_PAGE_DEFAULT": env.int("BATON_API_PAGE_DEFAULT", default=25),
    }
