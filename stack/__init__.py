"""The whole metricx stack wired together, on top of every other package: the `metricx` command
line, and the demo harness (simulated merchants seeded as workspaces, their pixel traffic
replayed, the pipeline run) that the CLI, the tests and the benchmarks share."""
