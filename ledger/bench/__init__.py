"""National-scale benchmark: a synthetic dataset, the same data as a plain-text journal for
ledger-cli and hledger, and timings of what the app serves against those peers and the floor."""
