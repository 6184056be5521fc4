"""Operations side of a generation worker: model control channel, status reports, metrics, model pulls."""
