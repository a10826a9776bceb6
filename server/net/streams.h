// The two transports a connection can have: plain TCP, or TLS over TCP
// (--tls-cert/--tls-key). Sessions are templates over these and are compiled
// for both (explicit instantiations at the end of their .cc files).
#pragma once

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include "net/beast.h"

namespace convene::server {

namespace ssl = boost::asio::ssl;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <class Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

}  // namespace convene::server
