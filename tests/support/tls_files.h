// A self-signed certificate for tests of the server's TLS (--tls-cert,
// --tls-key): made fresh by each test, so no private key lives in the
// repository and nothing expires.
#pragma once

#include <filesystem>
#include <string>

namespace convene::itest {

struct TlsFiles {
  std::filesystem::path cert;  // PEM certificate; clients trust it as their CA
  std::filesystem::path key;   // PEM private key
};

// Writes a certificate for "localhost" and 127.0.0.1 (EC P-256, SHA-256, valid
// for a day) and its key as `name`.crt and `name`.key in `dir`. Throws
// std::runtime_error if OpenSSL fails.
TlsFiles write_self_signed_certificate(const std::filesystem::path& dir,
                                       const std::string& name = "server");

}  // namespace convene::itest
