#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace convene::server {
namespace {

// OpenSSL's own reasons, which name what is wrong with a file ("no start
// line", "key values mismatch"), rather than Asio's generic text.
std::string openssl_reason(const boost::system::error_code& ec) {
  std::string reasons;
  while (const unsigned long code = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(code);
    if (!reason) continue;
    if (!reasons.empty()) reasons += "; ";
    reasons += reason;
  }
  return reasons.empty() ? ec.message() : reasons;
}

// A missing or unreadable file, said plainly (OpenSSL would say "system lib").
bool readable(const std::string& path, const char* option, std::string& error) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) {
    error = std::string(option) + " " + path + ": " + std::strerror(errno);
    return false;
  }
  std::fclose(file);
  return true;
}

}  // namespace

std::unique_ptr<ssl::context> make_tls_context(const std::string& cert_file,
                                               const std::string& key_file, std::string& error) {
  if (!readable(cert_file, "--tls-cert", error) || !readable(key_file, "--tls-key", error))
    return nullptr;
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                           ssl::context::single_dh_use,
                       ec);
  if (ec) {
    error = "TLS options: " + openssl_reason(ec);
    return nullptr;
  }
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    error = "--tls-cert " + cert_file + ": no PEM certificate chain could be read (" +
            openssl_reason(ec) + ")";
    return nullptr;
  }
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  const std::string reason = ec ? openssl_reason(ec) : "";
  if ((ec && reason.find("key values mismatch") != std::string::npos) ||
      (!ec && SSL_CTX_check_private_key(context->native_handle()) != 1)) {
    error =
        "--tls-key " + key_file + " does not belong to the certificate in --tls-cert " + cert_file;
    ERR_clear_error();
    return nullptr;
  }
  if (ec) {
    error = "--tls-key " + key_file + ": no PEM private key could be read (" + reason + ")";
    return nullptr;
  }
  return context;
}

}  // namespace convene::server
