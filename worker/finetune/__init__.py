"""Fine-tuning jobs on the training worker: claim, train through `worker.training`, publish, persist.

`naming` and `tokens` are torch-free: the API imports them to place uploads and count tokens.
"""
