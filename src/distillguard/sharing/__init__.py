"""Indicator sharing between providers: STIX 2.1 export, import, private matching, TAXII 2.1."""
