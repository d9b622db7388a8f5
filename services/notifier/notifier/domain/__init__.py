"""Pure rules of the notifier: no I/O."""
