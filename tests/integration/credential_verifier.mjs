// An independent verifier of CADENA's credentials, for the tests: `jose` checks the ES256K signatures,
// `@sd-jwt/sd-jwt-vc` the SD-JWT (disclosures against their signed digests, validity claims), and
// `@digitalbazaar/vc-bitstring-status-list` decodes the W3C status lists.
// stdin: {"credential": SD-JWT}; the status lists are fetched from the URLs the credential names.
// stdout: the disclosed claims and, per purpose, whether the credential's bit is set.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { compactVerify, decodeProtectedHeader, importJWK, jwtVerify } from "jose";
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";
import { decodeList } from "@digitalbazaar/vc-bitstring-status-list";

const input = JSON.parse(readFileSync(0, "utf8"));

async function keyOf(token) {
  const header = decodeProtectedHeader(token);
  return importJWK(header.jwk, "ES256K");
}

const verifier = async (data, signature) => {
  const token = `${data}.${signature}`;
  try {
    await compactVerify(token, await keyOf(token), { algorithms: ["ES256K"] });
    return true;
  } catch {
    return false;
  }
};

const sdjwt = new SDJwtVcInstance({
  verifier,
  hasher: (data, alg) => new Uint8Array(createHash(alg.replace("-", "")).update(data).digest()),
  hashAlg: "sha-256",
});

const out = { statuses: {} };
try {
  const { payload, header } = await sdjwt.verify(input.credential);
  out.valid = true;
  out.typ = header.typ;
  out.payload = payload;
  for (const entry of payload.credentialStatus) {
    const response = await fetch(entry.statusListCredential);
    const token = await response.text();
    const { payload: listCredential } = await jwtVerify(token, await keyOf(token), { algorithms: ["ES256K"] });
    const list = await decodeList({ encodedList: listCredential.credentialSubject.encodedList });
    out.statuses[entry.statusPurpose] = {
      set: list.getStatus(Number(entry.statusListIndex)),
      length: list.length,
      listIssuer: listCredential.issuer,
      mediaType: response.headers.get("content-type"),
    };
  }
} catch (error) {
  out.valid = false;
  out.error = String(error && error.message ? error.message : error);
}
process.stdout.write(JSON.stringify(out));
