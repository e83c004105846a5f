"""Turns domain refusals into pages a person understands."""

from django.shortcuts import render

from procurement.exceptions import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DomainError):  # InvalidTransition, ConcurrentEdit and any other refusal
            template = "errors/409.html#message" if getattr(request, "htmx", False) else "errors/409.html"
            return render(request, template, {"message": str(exception)}, status=409)
        return None
