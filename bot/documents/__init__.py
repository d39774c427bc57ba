"""What a KYC document says and whether it holds up: numbers, MRZ, file metadata, findings.

The ground floor of the document checks (SPEC §15): pure functions over text and bytes, so the
hub (bot/escalations/documents.py: the check at routing) and the capability (bot/kyc/: what a
person asks) share them. Nothing here stores a number or a file: fingerprints are keyed hashes.
"""
