"""The bidders' portal (issue 20): the pages vendor contacts use. Each area is its own module with its own
`urlpatterns` list, combined in awards.portal.urls under the "portal" namespace; who may see what is decided in
awards.portal.access and nowhere else."""
