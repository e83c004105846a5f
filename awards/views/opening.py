"""Internal pages of issue 20 (see the module's owner). `urls` is appended to awards.urls."""

urls: list = []
