from procurement.navigation import navigation_for


def navigation(request) -> dict:
    # A request refused before the authentication middleware (a Host not in ALLOWED_HOSTS answered 400) has no
    # user: its error page shows no navigation rather than failing with a 500.
    user = getattr(request, "user", None)
    if getattr(user, "is_bidder", False):  # bidder contacts see the portal's own navigation (templates/portal)
        return {"nav_items": []}
    return {"nav_items": navigation_for(user, request.path)}
