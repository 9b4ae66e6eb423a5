"""One script per figure; each prints its same-run baseline beside it."""
