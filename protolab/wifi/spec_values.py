"""How each kind of beacon spec value is read: from TOML, from `beacon build`'s options and from hostapd.conf.

Each ``Kind`` (see ``protolab.schema``) takes a value as TOML gives it (or a hostapd.conf text, or an option
already parsed by Typer) and returns the spec's value; the ``*_option`` functions read the options whose text
has a syntax of its own (``--bss-load 1,2,3``). A bad value is a BadInput naming the key or option.
"""

from __future__ import annotations

from protolab import schema
from protolab.errors import BadInput

CIPHER_NAMES = {"CCMP": 4, "CCMP-128": 4, "TKIP": 2, "GCMP": 8, "GCMP-128": 8, "GCMP-256": 9, "CCMP-256": 10}


def read_bool(value, key: str = "") -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise BadInput(f"{key + ': ' if key else ''}not a boolean: {value!r}")


def read_int(value, what: str) -> int:
    """A number as hostapd.conf writes it (decimal, or 0x... hex)."""
    try:
        return int(str(value), 0)
    except ValueError:
        raise BadInput(f"{what}: not a number: {value!r}") from None


def _whole(value, key: str) -> int:
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        raise BadInput(f"{key}: not a whole number: {value!r}")
    return read_int(int(value) if isinstance(value, float) else value, key)


def _items(value, key: str) -> list:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise BadInput(f"{key}: a list, not {value!r}")
    return list(value)


def hex_bytes(value, key: str) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    try:
        return bytes.fromhex(value)
    except (TypeError, ValueError):
        raise BadInput(f"{key}: not hex bytes: {value!r}") from None


def ssid_bytes(text: str) -> bytes:
    """An SSID from text: UTF-8, or hex bytes written as `hex:b2e2cad4` (for non-UTF-8 SSIDs)."""
    if text.startswith("hex:"):
        try:
            return bytes.fromhex(text[4:])
        except ValueError:
            raise BadInput(f"bad hex SSID {text!r}") from None
    return text.encode("utf-8")


def _text(value, key: str) -> str:
    if not isinstance(value, str):
        raise BadInput(f"{key}: a string, not {value!r}")
    return value


def _band(value, key: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}"  # band = 5 in TOML means "5"
    return _text(value, key)


def _ssid(value, key: str) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if not isinstance(value, str):
        raise BadInput(f"{key}: a string (or hex:... for any bytes), not {value!r}")
    return ssid_bytes(value)


def _ciphers(value, key: str) -> tuple[int, ...]:
    ciphers = tuple(CIPHER_NAMES.get(v.upper(), v) if isinstance(v, str) else _whole(v, key)
                    for v in _items(value, key))
    unknown = [c for c in ciphers if isinstance(c, str)]
    if unknown:
        raise BadInput(f"{key}: unknown cipher {unknown[0]!r} (one of: {', '.join(CIPHER_NAMES)})")
    wrong = [c for c in ciphers if not 0 <= c <= 255]
    if wrong:
        raise BadInput(f"{key}: cipher suite type {wrong[0]} is not 0..255 (one byte after the OUI)")
    return ciphers


def _akms(value, key: str) -> tuple[int, ...]:
    """hostapd's wpa_key_mgmt names (WPA-PSK, SAE, FT-SAE...; a list, or one text of names) or AKM numbers."""
    from protolab.wifi.suites import KEY_MGMT

    items = value.split() if isinstance(value, str) else _items(value, key)
    names = [w for item in items for w in (item.replace(",", " ").split() if isinstance(item, str) else [item])]
    akms = tuple(KEY_MGMT.get(n.upper(), n) if isinstance(n, str) else _whole(n, key) for n in names)
    unknown = [a for a in akms if isinstance(a, str)]
    if unknown:
        raise BadInput(f"{key}: unknown AKM {unknown[0]!r} (hostapd's wpa_key_mgmt names: {', '.join(KEY_MGMT)})")
    if any(not 0 <= a <= 255 for a in akms):
        raise BadInput(f"{key}: an AKM suite type is 0..255 (one byte after the OUI)")
    return akms


def _rates(value, key: str) -> tuple[float, ...]:
    from protolab.wifi.bss_params import parse_rate_list

    if isinstance(value, str):
        return parse_rate_list(value, what=key)
    try:
        return tuple(float(v) for v in value)
    except (TypeError, ValueError):
        raise BadInput(f"{key}: a list of rates in Mb/s, e.g. [6, 12, 24]") from None


def _triplets(value, key: str) -> tuple[tuple[int, ...], ...]:
    try:
        return tuple(tuple(_whole(x, key) for x in _items(t, key)) for t in _items(value, key))
    except BadInput:
        raise BadInput(f"{key}: a list of [first channel, channels, max dBm] triplets") from None


def _wmm(value, key: str) -> dict:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise BadInput(f"{key}: a table of access categories, e.g. [beacon.wmm_ac.vo] aifsn = 2")
    return {ac.lower(): {p: _whole(v, f"{key}.{ac}.{p}") for p, v in params.items()} for ac, params in value.items()}


def _merge_wmm(old: dict, new: dict) -> dict:
    """Options refine a file's per-AC values rather than replace them."""
    merged = {ac: dict(params) for ac, params in old.items()}
    for ac, params in new.items():
        merged.setdefault(ac, {}).update(params)
    return merged


WHOLE = schema.Kind("whole number", _whole, cli_type=int)
BOOL = schema.Kind("true/false", read_bool, cli_type=bool)
TEXT = schema.Kind("text", _text)
BAND = schema.Kind("text", _band)
SSID = schema.Kind("text, or hex:...", _ssid, show=lambda ssid: f'"{ssid.decode()}"')
CIPHERS = schema.Kind("list of ciphers (CCMP, GCMP-256, TKIP, or numbers)", _ciphers, cli_type=list[str])
RATES = schema.Kind("list of rates in Mb/s", _rates)
AKMS = schema.Kind("list of AKMs (hostapd's wpa_key_mgmt names, or numbers)", _akms, cli_type=list[str])
TRIPLETS = schema.Kind("list of [first channel, channels, max dBm]", _triplets, cli_type=list[str])
WMM = schema.Kind("table per access category (be/bk/vi/vo)", _wmm, cli_type=list[str], merge=_merge_wmm)
NUMBERS = schema.Kind("list of whole numbers", lambda value, key: tuple(_whole(v, key) for v in _items(value, key)),
                      cli_type=list[int])
HEX_LIST = schema.Kind("list of hex strings", lambda value, key: tuple(hex_bytes(v, key) for v in _items(value, key)),
                       cli_type=list[str])
NAMES = schema.Kind("list of names", lambda value, key: (value,) if isinstance(value, str)
                    else tuple(str(v) for v in _items(value, key)), cli_type=list[str])


# --- options with a syntax of their own ---------------------------------------------------------------
def bss_load_option(text: str, flag: str) -> tuple[int, ...]:
    try:
        load = tuple(int(x) for x in text.split(","))
    except ValueError:
        load = ()
    if len(load) != 3:
        raise BadInput(f"{flag} wants stations,utilisation,capacity (three numbers)")
    return load


def triplets_option(texts: list[str], flag: str) -> tuple[tuple[int, ...], ...]:
    out = []
    for text in texts:
        try:
            out.append(tuple(int(x) for x in text.split(",")))
        except ValueError:
            raise BadInput(f"{flag} wants first-channel,channels,max-dBm, not {text!r}") from None
    return tuple(out)


def wmm_option(texts: list[str], flag: str) -> dict:
    from protolab.wifi.bss_params import parse_wmm_option

    overrides: dict = {}
    for text in texts:
        ac, params = parse_wmm_option(text)
        overrides.setdefault(ac, {}).update(params)
    return overrides


def mobility_domain_option(text: str, flag: str) -> int:
    """hostapd's spelling: the two octets in frame order (the field is little-endian)."""
    try:
        mdid = bytes.fromhex(text)
    except ValueError:
        raise BadInput(f"{flag} takes hex bytes, not {text!r}") from None
    if len(mdid) != 2:
        raise BadInput(f"{flag} is 2 bytes of hex in frame order, like hostapd's (e.g. a1b2)")
    return int.from_bytes(mdid, "little")


def vendor_option(texts: list[str], flag: str) -> tuple[bytes, ...]:
    try:
        return tuple(bytes.fromhex(v) for v in texts)
    except ValueError:
        raise BadInput(f"{flag} takes hex bytes (OUI + data)") from None
