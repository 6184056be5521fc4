"""LoRA / QLoRA fine-tuning, callable without Celery.

Entry points: `dataset.validate_dataset` and `config.TrainConfig` (torch-free, safe in the API process),
`trainer.train` (the training job), `merge.merge_adapter` (export). Nothing is re-exported here so that
importing the torch-free modules never pulls in torch.
"""
