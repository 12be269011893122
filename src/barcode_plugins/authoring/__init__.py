"""Plugin authoring: ``barcode-plugins new-plugin`` and the package template it fills in."""
