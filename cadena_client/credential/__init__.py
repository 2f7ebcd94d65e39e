"""The trader's verifiable AEO credential: a W3C Verifiable Credential (Data Model 2.0) secured as an
SD-JWT (VC-JOSE-COSE), signed ES256K by a key the chain binds to the issuing administration, with its
status in W3C Bitstring Status Lists built from the chain.

The modules by job: `signing` (the administration's key, its DID and JWS), `sdjwt` (selective
disclosure: the trader may hide name and address), `status` (status lists from the mirror),
`document` (the credential of a certificate), `verify` (verdicts, online or offline), `pdf` (the
printable certificate with its QR code) and `page` (the web page's /verify).
"""
