"""The bidders' portal under /portal/ ("portal" namespace): each area's pages, from its own module."""

from awards.portal import accounts, debrief, diligence, home, notices, price, qa, submission

app_name = "portal"

urlpatterns = [
    *accounts.urlpatterns,  # invitation links: sign up or in, tied to the vendor
    *home.urlpatterns,  # the bidder's procedures, a procedure's documents and timeline
    *qa.urlpatterns,  # questions and the published (anonymised) answers
    *submission.urlpatterns,  # the sealed bid: files, replace, withdraw, submit, receipt
    *price.urlpatterns,  # the price schedule (sealed with the bid)
    *diligence.urlpatterns,  # tiering answers, due-diligence evidence (vendor self-reported)
    *notices.urlpatterns,  # notices (clarifications, answers, timeline, opening, award), acknowledgement
    *debrief.urlpatterns,  # the bidder's own debrief against the winning bid
]
