"""`make bench`: one harness that loads the running stack open-loop with real messages,
measures the raw parts it is built on in the same run, and writes JSON, Markdown and a PNG."""
