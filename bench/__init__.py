"""waymark's benchmarks: `python -m bench --help`. Separate from the tests (a smoke run of the
harness is one of them), they generate their own data, start `waymark serve` and an ack-only
Bolt app as subprocesses on 127.0.0.1, and report what they measured as a table and as JSON."""
