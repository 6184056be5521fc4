"""LoRA / QLoRA fine-tuning, callable without Celery: `trainer.train` (the training job) and `merge.merge_adapter`
(export). Job configuration and dataset validation are torch-free and live in `app.kernel.training`.
"""
