from procurement.navigation import navigation_for


def navigation(request) -> dict:
    return {"nav_items": navigation_for(request.user, request.path)}
