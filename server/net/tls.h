// The server's TLS configuration (--tls-cert/--tls-key): a certificate chain
// and its private key in PEM files, TLS 1.2 and 1.3 only.
#pragma once

#include <memory>
#include <string>

#include "net/streams.h"

namespace convene::server {

// Loads and checks the files. nullptr, with the reason in `error`, if either
// cannot be read or parsed or the key does not belong to the certificate.
std::unique_ptr<ssl::context> make_tls_context(const std::string& cert_file,
                                               const std::string& key_file, std::string& error);

}  // namespace convene::server
