"""BSS parameters a beacon advertises that a spec may set or leave to defaults: rates, country triplets,
WMM access-category parameters.

Each has a default that depends on the band (or the PHY the rates imply), a check, and a canonical form
used by resolve() and by dissect's spec_from_beacon: a value equal to its default is stored as "unset"
(empty), so that a spec and the spec recovered from its beacon compare equal whichever way it was written.
"""

from __future__ import annotations

from protolab.errors import BadInput

# ---- rates (Mb/s) --------------------------------------------------------------------------------------

DSSS_RATES = (1.0, 2.0, 5.5, 11.0)               # 802.11b (DSSS/CCK): 2.4 GHz only
OFDM_RATES = (6.0, 9.0, 12.0, 18.0, 24.0, 36.0, 48.0, 54.0)  # 802.11a/g
KNOWN_RATES = frozenset(DSSS_RATES + OFDM_RATES)
# band -> (supported rates in element order, basic rates): what hostapd uses for hw_mode g and a
DEFAULT_RATES = {"2.4": (DSSS_RATES + OFDM_RATES, DSSS_RATES),
                 "5": (OFDM_RATES, (6.0, 12.0, 24.0)),
                 "6": (OFDM_RATES, (6.0, 12.0, 24.0))}
MAX_SUPPORTED_RATES = 8  # the rest go in the Extended Supported Rates element


def rate_text(rate: float) -> str:
    return f"{rate:g}"


def check_rates(band: str, rates: tuple[float, ...], basic: tuple[float, ...]) -> None:
    unknown = [r for r in (*rates, *basic) if r not in KNOWN_RATES]
    if unknown:
        raise BadInput(f"rate {rate_text(unknown[0])} Mb/s is not an 802.11b/a/g rate "
                       f"(one of {', '.join(map(rate_text, sorted(KNOWN_RATES)))})")
    if len(set(rates)) != len(rates):
        raise BadInput("a rate is listed twice")
    if band != "2.4" and any(r in DSSS_RATES for r in (*rates, *basic)):
        raise BadInput(f"1, 2, 5.5 and 11 Mb/s (DSSS/CCK) exist only in 2.4 GHz, not in {band} GHz")
    if rates and not set(basic) <= set(rates):
        raise BadInput("every basic rate must also be a supported rate")


def effective_rates(band: str, rates: tuple[float, ...], basic: tuple[float, ...]
                    ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(supported, basic) as the beacon carries them: the band's when unset; basic defaults to the band's
    basic rates among the supported ones, or the lowest supported rate."""
    default_rates, default_basic = DEFAULT_RATES[band]
    rates = rates or default_rates
    if not basic:
        basic = tuple(r for r in rates if r in default_basic) or (min(rates),)
    return rates, basic


def canonical_rates(band: str, rates: tuple[float, ...], basic: tuple[float, ...]
                    ) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The spec's spelling: () for whatever equals the default."""
    rates, basic = effective_rates(band, rates, basic)
    default_rates = DEFAULT_RATES[band][0]
    implied_basic = effective_rates(band, rates, ())[1]
    return (() if rates == default_rates else rates), (() if basic == implied_basic else basic)


def rate_codes(rates: tuple[float, ...], basic: tuple[float, ...]) -> list[int]:
    """Rates as element bytes: 500 kb/s units, top bit set on basic rates."""
    return [int(r * 2) | (0x80 if r in basic else 0) for r in rates]


def parse_rate_list(text: str, divisor: int = 1, what: str = "rates") -> tuple[float, ...]:
    """'1,2,5.5,11' (Mb/s) or hostapd's '10 20 55 110' (divisor 10: units of 100 kb/s)."""
    try:
        return tuple(float(x) / divisor for x in text.replace(",", " ").split())
    except ValueError:
        raise BadInput(f"{what}: not a list of numbers: {text!r}") from None


# ---- country triplets -------------------------------------------------------------------------------------

# (first channel, number of channels, max transmit power dBm) per band, and per region where the channels
# differ: North America stops at channel 11 in 2.4 GHz and has 149-165 in 5 GHz, Europe (ETSI) has no
# 149-165. Typical values to start from, not a regulatory database: set --country-triplet for the rest.
DEFAULT_TRIPLETS = {"2.4": ((1, 13, 20),), "5": ((36, 4, 23), (52, 4, 23), (100, 12, 23)), "6": ((1, 59, 23),)}
REGIONS = {**dict.fromkeys(("US", "CA"), "FCC"),
           **dict.fromkeys(("AT", "BE", "CH", "CZ", "DE", "DK", "ES", "FI", "FR", "GB", "IE", "IT", "NL", "NO",
                            "PL", "PT", "SE"), "ETSI")}
REGION_TRIPLETS = {("2.4", "FCC"): ((1, 11, 30),),
                   ("5", "FCC"): ((36, 4, 30), (52, 4, 24), (100, 12, 24), (149, 5, 30)),
                   ("5", "ETSI"): ((36, 4, 23), (52, 4, 23), (100, 11, 30))}


def default_triplets(band: str, country: str | None) -> tuple[tuple[int, int, int], ...]:
    region = REGIONS.get((country or "").upper())
    return REGION_TRIPLETS.get((band, region), DEFAULT_TRIPLETS[band])


MAX_TRIPLETS = 84  # 3-byte country string + 3 bytes a triplet <= 255


def check_triplets(triplets: tuple[tuple[int, int, int], ...], country: str | None) -> None:
    if triplets and not country:
        raise BadInput("country triplets need a country code (--country)")
    if len(triplets) > MAX_TRIPLETS:
        raise BadInput(f"{len(triplets)} country triplets: at most {MAX_TRIPLETS} fit in the 255-byte element")
    for t in triplets:
        if len(t) != 3:
            raise BadInput(f"a country triplet is first-channel,channels,max-dBm, not {t!r}")
        first, count, power = t
        if not (1 <= first <= 200 and 1 <= count <= 255 and 1 <= power <= 127):
            raise BadInput(f"country triplet {first},{count},{power}: first channel 1..200, 1..255 channels, "
                           "max power 1..127 dBm")


# ---- WMM access categories --------------------------------------------------------------------------------

AC_NAMES = ("be", "bk", "vi", "vo")  # ACI 0..3, the order of the WMM parameter element
AC_TITLES = {"be": "best effort", "bk": "background", "vi": "video", "vo": "voice"}
WMM_PARAMS = ("aifsn", "cwmin", "cwmax", "txop", "acm")
# hostapd's defaults for OFDM PHYs (a/g/n/ac/ax): cwmin/cwmax as exponents (CW = 2^e - 1), TXOP in 32 us
WMM_OFDM = {"be": (3, 4, 10, 0, 0), "bk": (7, 4, 10, 0, 0), "vi": (2, 3, 4, 94, 0), "vo": (2, 2, 3, 47, 0)}
# 802.11 default EDCA for a DSSS PHY (11b only): aCWmin 31, TXOP limits 6.016 / 3.264 ms
WMM_DSSS = {"be": (3, 5, 10, 0, 0), "bk": (7, 5, 10, 0, 0), "vi": (2, 4, 5, 188, 0), "vo": (2, 3, 4, 102, 0)}


def default_wmm(rates: tuple[float, ...]) -> dict[str, tuple[int, ...]]:
    """The default parameters of the PHY the (effective) rates imply: DSSS values for an 11b-only set."""
    return WMM_DSSS if rates and all(r in DSSS_RATES for r in rates) else WMM_OFDM


def check_wmm(overrides: dict) -> None:
    for ac, params in overrides.items():
        if ac not in AC_NAMES:
            raise BadInput(f"unknown access category {ac!r} (one of: {', '.join(AC_NAMES)})")
        for name in params:
            if name not in WMM_PARAMS:
                raise BadInput(f"unknown WMM parameter {name!r} for {ac} (one of: {', '.join(WMM_PARAMS)})")


def effective_wmm(rates: tuple[float, ...], overrides: dict) -> dict[str, tuple[int, ...]]:
    """AC -> (aifsn, cwmin exponent, cwmax exponent, txop in 32 us, acm), defaults with the overrides."""
    check_wmm(overrides)
    out = {}
    for ac, base in default_wmm(rates).items():
        values = dict(zip(WMM_PARAMS, base, strict=True)) | dict(overrides.get(ac, {}))
        aifsn, cwmin, cwmax, txop, acm = (values[p] for p in WMM_PARAMS)
        if not (2 <= aifsn <= 15 and 0 <= cwmin <= cwmax <= 15 and 0 <= txop <= 65535 and acm in (0, 1)):
            raise BadInput(f"WMM {ac}: aifsn 2..15, cwmin <= cwmax in 0..15 (exponents: CW = 2^n - 1), "
                           f"txop 0..65535 (units of 32 us), acm 0/1; got {values}")
        out[ac] = (aifsn, cwmin, cwmax, txop, acm)
    return out


def canonical_wmm(rates: tuple[float, ...], overrides: dict) -> dict[str, dict[str, int]]:
    """Only the parameters that differ from the PHY's defaults, AC by AC."""
    defaults = default_wmm(rates)
    out = {}
    for ac, values in effective_wmm(rates, overrides).items():
        diff = {p: v for p, v, d in zip(WMM_PARAMS, values, defaults[ac], strict=True) if v != d}
        if diff:
            out[ac] = diff
    return out


def parse_wmm_option(text: str) -> tuple[str, dict[str, int]]:
    """`vo:aifsn=2,cwmin=2,cwmax=3,txop=47` -> ("vo", {...})."""
    ac, sep, rest = text.partition(":")
    if not sep or not rest:
        raise BadInput(f"--wmm-ac wants AC:param=value,... (e.g. vo:aifsn=2,txop=47), not {text!r}")
    params = {}
    for item in rest.split(","):
        name, eq, value = item.partition("=")
        try:
            params[name.strip()] = int(value, 0)
        except ValueError:
            raise BadInput(f"--wmm-ac {text!r}: {item!r} is not param=number") from None
        if not eq:
            raise BadInput(f"--wmm-ac {text!r}: {item!r} is not param=number")
    return ac.strip().lower(), params
