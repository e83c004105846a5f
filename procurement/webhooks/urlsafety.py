"""The request-forgery guard: may Baton send a webhook to this URL, and to which address exactly?

`check_url(url)` answers with a `Target` (the scheme, the host as written, the port, the path, and every address
the name resolved to, all checked) or raises `UnsafeUrl` with a sentence a person reads next to the URL field.
It runs when a subscription is saved and again before every attempt (DNS answers change), and the sender connects
to `Target.address`, the address that was checked, so no second lookup can swap in another one (DNS rebinding).

The rules (settings from procurement.conf.webhooks):
- https only, unless BATON_WEBHOOK_ALLOW_HTTP;
- no user name or password in the URL, no fragment;
- an IP address must be written in its usual form: 2130706433, 0x7f.1, 0177.0.0.1 or 127.1 are refused outright;
- the host must be in BATON_WEBHOOK_ALLOWED_HOSTS when that list is not empty;
- every address the name resolves to must be public: loopback, private, shared, link-local (cloud metadata at
  169.254.169.254), multicast, reserved and unspecified addresses are refused, also when wrapped in an IPv6
  address (IPv4-mapped ::ffff:a.b.c.d, 6to4, Teredo, NAT64) — unless the address lies in one of the networks of
  BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

MAX_URL_LENGTH = 2000
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_NAME_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """The URL is refused; str(exc) is the sentence shown next to the field."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lower-case, IDNA-encoded; an IPv6 address without brackets
    port: int
    path: str  # path and query, at least "/"
    addresses: tuple[str, ...]  # every address the host resolved to, each one checked

    @property
    def address(self) -> str:
        """The address to connect to: the first one checked."""
        return self.addresses[0]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def _embedded(ip: IPAddress) -> list[IPAddress]:
    """Any IPv4 address an IPv6 address carries inside it, then the address itself: the wrapped address is judged
    first, so the refusal names what it really reaches whatever the interpreter thinks of the wrapper (Python 3.13
    counts 6to4's 2002::/16 as private, 3.12 does not)."""
    found: list[IPAddress] = []
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            found.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            found.append(ip.sixtofour)
        if ip.teredo is not None:
            found.extend(ip.teredo)
        if ip in NAT64:
            found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [*found, ip]


def _kind(ip: IPAddress) -> str | None:
    """None for a public address; otherwise what it is, in words."""
    if ip.is_unspecified:
        return "an unspecified"
    if ip.is_loopback:
        return "a loopback"
    if ip.is_link_local:
        return "a link-local"
    if ip.is_multicast:
        return "a multicast"
    if ip.is_private:
        return "a private"
    if ip.is_reserved:
        return "a reserved"
    if not ip.is_global:
        return "a non-public"
    return None


def _allowed_networks() -> list:
    allowed = getattr(settings, "BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS", [])
    return [ipaddress.ip_network(n, strict=False) for n in allowed]


def check_address(ip: IPAddress, *, host: str) -> None:
    """Refuse an address that is not public (itself or an IPv4 address wrapped in it), unless one of the allowed
    networks holds it."""
    original = ip
    networks = _allowed_networks()
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:a.b.c.d connects to a.b.c.d: judge that address
    for candidate in _embedded(ip):
        kind = _kind(candidate)
        if kind is None:
            continue
        if any(ip.version == net.version and ip in net for net in networks):
            continue
        what = f"{host} is" if host == str(original) else f"{host} resolves to {original}, which is"
        raise UnsafeUrl(f"{what} {kind} address. Webhooks are only sent to public addresses; an administrator "
                        "may allow a private network in BATON_WEBHOOK_ALLOW_PRIVATE_NETWORKS.")


def _host_allowed(host: str) -> bool:
    allowed = getattr(settings, "BATON_WEBHOOK_ALLOWED_HOSTS", [])
    if not allowed:
        return True
    for entry in allowed:
        if entry.startswith("."):
            if host == entry[1:] or host.endswith(entry):
                return True
        elif host == entry:
            return True
    return False


def _resolve(host: str, port: int) -> list[str]:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise UnsafeUrl(f"The host name {host} could not be resolved; check the URL.") from None
    found = []
    for _family, _type, _proto, _name, sockaddr in answers:
        address = sockaddr[0].split("%", 1)[0]
        if address not in found:
            found.append(address)
    if not found:
        raise UnsafeUrl(f"The host name {host} could not be resolved; check the URL.")
    return found


def parse(url: str) -> tuple[str, str, int, str, IPAddress | None]:
    """(scheme, host, port, path, the IP address when the host is one) or UnsafeUrl; no lookup."""
    url = (url or "").strip()
    if not url:
        raise UnsafeUrl("Give the URL Baton should send events to.")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch == "\\" for ch in url):
        raise UnsafeUrl("The URL contains spaces, control characters or backslashes.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl("This is not a valid URL (check the host and the port).") from None
    scheme = parts.scheme.lower()
    allow_http = getattr(settings, "BATON_WEBHOOK_ALLOW_HTTP", False)
    if scheme not in (("https", "http") if allow_http else ("https",)):
        raise UnsafeUrl("Webhook URLs must start with https://." if not allow_http else
                        "Webhook URLs must start with https:// or http://.")
    if "@" in parts.netloc:
        raise UnsafeUrl("The URL must not contain a user name or password; authenticate with the signing secret.")
    if parts.fragment or url.endswith("#"):
        raise UnsafeUrl("The URL must not contain a fragment (the part after #).")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeUrl("The URL has no host name.")
    if port == 0:
        raise UnsafeUrl("The URL's port must be between 1 and 65535.")
    port = port or (443 if scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
            raise UnsafeUrl("The URL's IPv6 address must not carry a zone (%…).")
        return scheme, str(ip), port, path, ip
    labels = host.split(".")
    if all(_NUMERIC_LABEL.match(label) for label in labels):
        raise UnsafeUrl(f"{host} looks like an IP address written in an unusual form (decimal, octal, hexadecimal "
                        "or shortened); write the address in its usual dotted form, or use a host name.")
    try:
        encoded = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise UnsafeUrl(f"{host} is not a valid host name.") from None
    if not all(_NAME_LABEL.match(label) for label in encoded.split(".")):
        raise UnsafeUrl(f"{host} is not a valid host name.")
    return scheme, encoded, port, path, None


def check_url(url: str) -> Target:
    """Check `url` against every rule above (looking the name up once) and answer where to connect."""
    scheme, host, port, path, ip = parse(url)
    if not _host_allowed(host):
        raise UnsafeUrl(f"{host} is not on the list of hosts webhooks may be sent to (BATON_WEBHOOK_ALLOWED_HOSTS).")
    addresses = [str(ip)] if ip is not None else _resolve(host, port)
    for address in addresses:
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            raise UnsafeUrl(f"{host} resolved to {address!r}, which is not an IP address.") from None
        check_address(parsed, host=host)
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))
