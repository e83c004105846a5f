"""Internal pages of issue 20: reviewing what vendors reported through the portal.

`urls` is appended to vendors.urls."""

urls: list = []
