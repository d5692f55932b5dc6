"""FoleyGRAM's networks in plain PyTorch, shared by the exporter (tools/export) and training.

dit      Stable Audio Open's DiT, the envelope ControlNet, the seconds conditioners, the GRAM projector
oobleck  the Oobleck VAE and the envelope encoder
gram     GRAM's EVA-CLIP vision tower, BERT and BEATs, pooled and projected as the pack exports them
config   every module from a dimensions dict (SAO's model_config.json plus the GRAM towers), at any width
selftest builds the reduced-width model and runs every module once: python3 -m foleygram.selftest (from tools/)
"""
