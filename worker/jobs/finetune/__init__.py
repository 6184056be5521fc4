"""Fine-tuning jobs on the training worker: claim, train through `worker.training`, publish, persist."""
