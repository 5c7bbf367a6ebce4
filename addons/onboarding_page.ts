/** The onboarding page served at http://mitm.it/ (our own text, per-platform steps). */

export function onboardingPage(version: string): string {
  const section = (title: string, steps: string[]) =>
    `<section><h2>${title}</h2><ol>${steps.map((s) => `<li>${s}</li>`).join("")}</ol></section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>mitmdeno: install the CA certificate</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
a.button{display:inline-block;margin:.2rem .4rem .2rem 0;padding:.4rem .8rem;border:1px solid #345;border-radius:.3rem;text-decoration:none}
code{background:#eee;padding:0 .2rem}</style></head>
<body>
<h1>Install mitmdeno's certificate authority</h1>
<p>Your traffic goes through mitmdeno ${version}. To let it read HTTPS, your device must trust
mitmdeno's CA certificate. Only do this on devices you control; remove the certificate when you
are done.</p>
<p>
<a class="button" href="/cert/pem">PEM (Linux, macOS, Firefox, most tools)</a>
<a class="button" href="/cert/p12">PKCS#12 (Windows)</a>
<a class="button" href="/cert/cer">CER (Android, iOS)</a>
</p>
${
    section("Windows", [
      "Download the <b>.p12</b> file and open it.",
      "Choose <i>Current User</i>, keep the password empty, and place the certificate in <i>Trusted Root Certification Authorities</i>.",
    ])
  }
${
    section("macOS", [
      "Download the <b>.pem</b> file and open it: Keychain Access adds it to the login keychain.",
      "Double-click the certificate <i>mitmproxy</i>, open <i>Trust</i>, and set <i>When using this certificate</i> to <i>Always Trust</i>.",
    ])
  }
${
    section("Linux (Debian, Ubuntu)", [
      "<code>sudo cp mitmproxy-ca-cert.pem /usr/local/share/ca-certificates/mitmproxy.crt</code>",
      "<code>sudo update-ca-certificates</code>",
    ])
  }
${
    section("Linux (Fedora, Arch)", [
      "<code>sudo trust anchor --store mitmproxy-ca-cert.pem</code>",
    ])
  }
${
    section("iOS", [
      "Open this page in Safari and download the <b>.cer</b> file; allow the profile download.",
      "Settings → General → VPN &amp; Device Management: install the downloaded profile.",
      "Settings → General → About → Certificate Trust Settings: enable full trust for <i>mitmproxy</i>.",
    ])
  }
${
    section("Android", [
      "Download the <b>.cer</b> file; Settings → Security → Encryption &amp; credentials → Install a certificate → CA certificate.",
      "Since Android 7, apps only trust user CAs if they opt in; system-wide trust needs a rooted device.",
    ])
  }
${
    section("Firefox (its own certificate store)", [
      "Settings → Privacy &amp; Security → Certificates → View Certificates → Authorities → Import the <b>.pem</b> file.",
      "Tick <i>Trust this CA to identify websites</i>.",
    ])
  }
${
    section("Command-line tools", [
      "<code>curl --cacert ~/.mitmdeno/mitmproxy-ca-cert.pem ...</code>",
      "<code>export SSL_CERT_FILE=~/.mitmdeno/mitmproxy-ca-cert.pem</code> (OpenSSL-based tools), <code>NODE_EXTRA_CA_CERTS</code> for Node.js, <code>REQUESTS_CA_BUNDLE</code> for Python requests.",
    ])
  }
</body></html>
`;
}
