"""Files users hand us: bounded line reading, text-file decoding hints, purchase-order files and link files."""
