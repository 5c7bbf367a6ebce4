import assert from "node:assert/strict";
import { join } from "node:path";
import { CertFileError } from "../../../core/certs/ca.ts";
import { caFileNames, loadOrCreateCa, readPemFile } from "../../../core/certs/ca_files.ts";
import { FIXTURE_CONFDIR, openssl, opensslOk, tempDir } from "./cert_test_util.ts";

const NAMES = caFileNames();

async function rejectsNaming(promise: Promise<unknown>, file: string, pattern: RegExp) {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof CertFileError, `expected CertFileError, got ${e}`);
    assert.equal(e.file, file);
    assert.ok(e.message.includes(file), e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("the fixture confdir loads as-is (read-only dir), with the expiry warning", async () => {
  const { ca, created, warnings } = await loadOrCreateCa(FIXTURE_CONFDIR);
  assert.equal(created, false);
  assert.equal(ca.certPem, await Deno.readTextFile(join(FIXTURE_CONFDIR, NAMES.certPem)));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /has expired/);
  assert.match(warnings[0], new RegExp(FIXTURE_CONFDIR));
});

Deno.test("first start creates all files; key files 0600; a second start loads the same CA", async () => {
  await using dir = await tempDir();
  const confdir = join(dir.path, "nested", ".mitmproxy");
  const first = await loadOrCreateCa(confdir, { keySize: 2048 });
  assert.equal(first.created, true);
  assert.deepEqual(first.warnings, []);
  const listing = [];
  for await (const e of Deno.readDir(confdir)) listing.push(e.name);
  assert.deepEqual(listing.sort(), [
    "mitmproxy-ca-cert.cer",
    "mitmproxy-ca-cert.p12",
    "mitmproxy-ca-cert.pem",
    "mitmproxy-ca.p12",
    "mitmproxy-ca.pem",
  ]);
  const mode = async (name: string) => (await Deno.stat(join(confdir, name))).mode! & 0o777;
  assert.equal(await mode(NAMES.ca), 0o600);
  assert.equal(await mode(NAMES.caP12), 0o600);
  assert.equal(await mode(NAMES.certPem), 0o644);

  const caPem = await Deno.readTextFile(join(confdir, NAMES.ca));
  assert.match(caPem, /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+-----BEGIN CERTIFICATE-----/);
  assert.equal(caPem, first.ca.keyPem + first.ca.certPem);
  const certPem = await Deno.readFile(join(confdir, NAMES.certPem));
  assert.deepEqual(await Deno.readFile(join(confdir, NAMES.certCer)), certPem);
  assert.equal(new TextDecoder().decode(certPem), first.ca.certPem);

  const text = await opensslOk(["x509", "-in", join(confdir, NAMES.certPem), "-noout", "-text"]);
  assert.match(text, /CA:TRUE/);
  assert.match(text, /Certificate Sign, CRL Sign/);

  const second = await loadOrCreateCa(confdir);
  assert.equal(second.created, false);
  assert.equal(second.ca.certPem, first.ca.certPem);
  assert.equal(second.ca.keyPem, first.ca.keyPem);
});

Deno.test("the .p12 files read with openssl pkcs12 and an empty password", async () => {
  await using dir = await tempDir();
  const { ca } = await loadOrCreateCa(dir.path, { keySize: 1024 });
  const certOnly = await openssl([
    "pkcs12",
    "-info",
    "-in",
    join(dir.path, NAMES.certP12),
    "-nokeys",
    "-passin",
    "pass:",
  ]);
  assert.equal(certOnly.code, 0, certOnly.stderr);
  assert.match(certOnly.stdout, /friendlyName: mitmproxy/);
  assert.match(certOnly.stdout, /subject=CN = mitmproxy, O = mitmproxy/);
  assert.ok(certOnly.stdout.includes(ca.certPem.trim()));
  const keyOut = await opensslOk([
    "pkcs12",
    "-in",
    join(dir.path, NAMES.certP12),
    "-nocerts",
    "-nodes",
    "-passin",
    "pass:",
  ]);
  assert.doesNotMatch(keyOut, /PRIVATE KEY/);

  const withKey = await opensslOk([
    "pkcs12",
    "-in",
    join(dir.path, NAMES.caP12),
    "-nocerts",
    "-nodes",
    "-passin",
    "pass:",
  ]);
  assert.match(withKey, /BEGIN PRIVATE KEY/);
  const modulus = await opensslOk(["rsa", "-noout", "-modulus"], withKey);
  assert.equal(modulus, await opensslOk(["x509", "-noout", "-modulus"], ca.certPem));
});

Deno.test("a corrupt mitmproxy-ca.pem is an error naming it, never replaced", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, NAMES.ca);
  await Deno.writeTextFile(
    file,
    "-----BEGIN RSA PRIVATE KEY-----\n!!!\n-----END RSA PRIVATE KEY-----\n",
  );
  await rejectsNaming(loadOrCreateCa(dir.path), file, /not valid base64/);
  await Deno.writeTextFile(file, "hello");
  await rejectsNaming(loadOrCreateCa(dir.path), file, /no CERTIFICATE block/);
  await Deno.writeFile(file, Uint8Array.of(0xff, 0xfe, 0x00, 0x80));
  await rejectsNaming(loadOrCreateCa(dir.path), file, /not a text \(PEM\) file/);
  assert.deepEqual(await Deno.readFile(file), Uint8Array.of(0xff, 0xfe, 0x00, 0x80));
});

Deno.test("a key that does not match the cert is an error naming the file", async () => {
  await using dir = await tempDir();
  const fixture = await Deno.readTextFile(join(FIXTURE_CONFDIR, NAMES.ca));
  const other = await loadOrCreateCa(join(dir.path, "other"), { keySize: 1024 });
  const key = fixture.slice(0, fixture.indexOf("-----BEGIN CERTIFICATE-----"));
  const file = join(dir.path, NAMES.ca);
  await Deno.writeTextFile(file, key + other.ca.certPem);
  await rejectsNaming(loadOrCreateCa(dir.path), file, /private key does not match/);
});

Deno.test("an unreadable mitmproxy-ca.pem (a directory here) is an error naming it", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, NAMES.ca);
  await Deno.mkdir(file);
  await rejectsNaming(loadOrCreateCa(dir.path), file, /cannot read/);
});

Deno.test("distributed CA files without mitmproxy-ca.pem: refuse to make a new CA", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, NAMES.certPem), "x");
  await rejectsNaming(
    loadOrCreateCa(dir.path),
    join(dir.path, NAMES.ca),
    /missing, but mitmproxy-ca-cert\.pem exists: restore mitmproxy-ca\.pem, or delete/,
  );
  const listing = [];
  for await (const e of Deno.readDir(dir.path)) listing.push(e.name);
  assert.deepEqual(listing, [NAMES.certPem]);
});

Deno.test("a custom basename changes every file name", async () => {
  await using dir = await tempDir();
  await loadOrCreateCa(dir.path, { basename: "corp", keySize: 1024 });
  assert.ok((await Deno.stat(join(dir.path, "corp-ca.pem"))).isFile);
  assert.ok((await Deno.stat(join(dir.path, "corp-ca-cert.p12"))).isFile);
});

Deno.test("readPemFile: a missing file is named", async () => {
  await rejectsNaming(readPemFile("/nonexistent/x.pem"), "/nonexistent/x.pem", /does not exist/);
});
