"""The one assertion every TLS command's error path shares."""


def check_one_line_error(run, code: int, text: str):
    """`run` exited `code` with one `error:` line on stderr holding `text`, and no traceback anywhere."""
    assert run.exit_code == code, (run.exit_code, run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], run.stderr
    assert "Traceback" not in run.stderr + run.stdout
