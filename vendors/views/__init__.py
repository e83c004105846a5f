"""Views of the vendors app, by concern: registry, tiering, evidence, risks, contacts, importing.

Fetch-and-authorize, call one service, answer: every form post goes through procurement.posting.handle_form.
"""
