"""KYC checks a person asks for: `/baton kyc <type> <number>` and `/baton kyc <ticket>`.

The checks themselves are bot/documents (numbers, MRZ, files) and the ticket check at routing
is bot/escalations/documents; this capability adds who may ask, and the audit of each check.
"""
