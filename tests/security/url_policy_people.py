"""The URL policy of people and places (preferences, time zones) (issue 21), merged into url_policy.POLICY."""

from tests.security.url_policy import AUD, GET, GET_POST, LEADS, POST, P, Rule, act, read, signed_in  # noqa: F401

PEOPLE = {
    # Each signed-in person chooses their own time zone (procurement.time_zones); there is no object to hide.
    "time_zone": signed_in(methods=GET_POST),
}
