/** A throwaway self-signed certificate for TLS tests, made with the openssl CLI. */
export interface TestCert {
  certPem: string;
  keyPem: string;
}

let cached: Promise<TestCert> | null = null;

export function testCert(): Promise<TestCert> {
  cached ??= (async () => {
    const dir = await Deno.makeTempDir();
    try {
      const out = await new Deno.Command("openssl", {
        args: [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "2",
          "-keyout",
          `${dir}/key.pem`,
          "-out",
          `${dir}/cert.pem`,
          "-subj",
          "/CN=example.test",
          "-addext",
          "subjectAltName=DNS:example.test,IP:127.0.0.1",
        ],
        stdout: "null",
        stderr: "piped",
      }).output();
      if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
      return {
        certPem: await Deno.readTextFile(`${dir}/cert.pem`),
        keyPem: await Deno.readTextFile(`${dir}/key.pem`),
      };
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  })();
  return cached;
}
