"""Electronic signatures (issue 10): the region CA now; PAdES signing later."""
