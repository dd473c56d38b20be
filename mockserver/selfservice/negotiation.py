"""How Kratos tells a JSON client from a browser (x/isjsonrequest.go, x/http.go), with
golang/gddo's ``httputil.NegotiateContentType``."""

from __future__ import annotations

from .cookies import HeaderLookup

_OFFERS = ("text/html", "text/*", "*/*", "application/json")


def _accept(headers: HeaderLookup) -> list[tuple[str, float]]:
    specs = []
    for line in headers.getlist("accept"):
        for part in line.split(","):
            value, *params = (p.strip() for p in part.split(";"))
            if not value:
                continue
            q = 1.0
            for param in params:
                name, _, raw = param.partition("=")
                if name.strip().lower() == "q":
                    try:
                        q = float(raw)
                    except ValueError:
                        q = 0.0
            specs.append((value.lower(), q))
    return specs


def negotiate(headers: HeaderLookup, offers: tuple[str, ...], default: str) -> str:
    """gddo httputil.NegotiateContentType: the best offer by q, then by specificity, then by offer order."""
    best, best_q, best_wild = default, -1.0, 3
    specs = _accept(headers)
    for offer in offers:
        for value, q in specs:
            if q == 0.0 or q < best_q:
                continue
            if value == "*/*":
                if q > best_q or best_wild > 2:
                    best, best_q, best_wild = offer, q, 2
            elif value.endswith("/*"):
                if offer.startswith(value[:-1]) and (q > best_q or best_wild > 1):
                    best, best_q, best_wild = offer, q, 1
            elif value == offer and (q > best_q or best_wild > 0):
                best, best_q, best_wild = offer, q, 0
    return best


def is_json_request(headers: HeaderLookup) -> bool:
    """x.IsJSONRequest: Accept negotiates to JSON, or Content-Type is exactly application/json."""
    return negotiate(headers, _OFFERS, "text/html") == "application/json" or (
        headers.get("content-type") == "application/json"
    )


def accepts_json(headers: HeaderLookup) -> bool:
    """x.AcceptsJSON (and SendFlowCompletedAsRedirectOrJSON): only the Accept header counts."""
    return negotiate(headers, ("text/html", "application/json"), "text/html") == "application/json"
