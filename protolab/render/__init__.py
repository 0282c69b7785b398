"""Rendering shared by every command: consoles, JSON output, hex dumps, progress.

Import the submodules directly; this package imports nothing so that
`protolab --help` stays fast.
"""
