"""`protolab tls decode`: the command function (registered on the `tls` group by protolab/cli/tls.py).

Its view is protolab.render.tls.decode_view.

Heavy imports (cryptography, the decoder) happen inside the function so `protolab --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from protolab.cli.common import JsonFlag, fail_check, output

CaptureArg = Annotated[Path, typer.Argument(help="A capture (pcap/pcapng, -: stdin) holding TLS over TCP.",
                                            show_default=False)]
KeylogOpt = Annotated[Path | None, typer.Option("--keylog", help="NSS key log (SSLKEYLOGFILE) with the secrets.",
                                                show_default=False)]
KeyOpt = Annotated[Path | None, typer.Option("--key", help="The server's private key (PEM/DER): opens RSA key "
                                             "transport sessions on its own, never ECDHE ones.", show_default=False)]
EphemeralOpt = Annotated[list[Path] | None, typer.Option(
    "--ephemeral", help="An (EC)DHE ephemeral private key of either side (PEM/DER); repeatable.", show_default=False,
    metavar="<path>")]


BytesOpt = Annotated[bool, typer.Option("--bytes", help="Also show every handshake message's bytes, field by field.")]


def decode(capture: CaptureArg, keylog: KeylogOpt = None, key: KeyOpt = None, ephemeral: EphemeralOpt = None,
           show_bytes: BytesOpt = False, as_json: JsonFlag = False) -> None:
    """Replay every TLS connection of a capture: recover the secrets, verify both Finished, decrypt the data.

    Secrets come from the server RSA key (RSA key transport only), the key log, or an ephemeral private key.
    With --key the result also says, per connection, whether that key ALONE opens the recorded session:
    yes for RSA key transport, no for ECDHE (forward secrecy). Exit 1 when a check fails (Finished mismatch,
    a record that does not authenticate, a bad signature), 2 on unusable input.

    Example: protolab tls decode tls12-rsa-ems.pcap --key server.key --bytes
    """
    from protolab.render.progress import progress
    from protolab.render.tls import decode_view
    from protolab.tls.decode import decode_capture, load_key_material

    keys = load_key_material(keylog, key, ephemeral or [])
    try:
        total = capture.stat().st_size
    except OSError:
        total = None
    with progress(total, f"reading {capture.name}", unit="bytes") as advance:
        result = decode_capture(capture, keys, advance)
    output(result, as_json, lambda r: decode_view(r, show_bytes))
    failed = result.failed_checks
    if failed:
        fail_check(failed[0] if len(failed) == 1 else f"{len(failed)} checks failed, first: {failed[0]}")

