"""Formats: how a scan becomes canonical text and data-identifier elements (normalisation, keyboard layouts,
segmentation, ECIA parsing) and the registry compiled from the formats plugins declare. Knows no store and no hook."""
