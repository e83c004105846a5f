from procurement.navigation import navigation_for


def navigation(request) -> dict:
    # A request refused before the authentication middleware (a Host not in ALLOWED_HOSTS answered 400) has no
    # user: its error page shows no navigation rather than failing with a 500.
    return {"nav_items": navigation_for(getattr(request, "user", None), request.path)}
