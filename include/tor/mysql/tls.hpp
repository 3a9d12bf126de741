// TLS settings of the MySQL/MariaDB connections, and what a connection
// negotiated. The modes mean what MySQL's --ssl-mode means; the binlog
// source applies them to every connection it opens (replication, status,
// schema lookups, checks). Plain values: no connector header is needed.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include <tor/core/options.hpp>

namespace tor::mysql {

enum class tls_mode {
  disabled,         ///< never TLS
  preferred,        ///< TLS when the server offers it, else plaintext; no verification
  required,         ///< TLS or no connection; the certificate is not verified
  verify_ca,        ///< TLS, and the server's certificate chains to `ca`
  verify_identity,  ///< verify_ca, and the certificate names the host connected to
};

[[nodiscard]] inline std::string_view to_string(tls_mode m) noexcept {
  switch (m) {
    case tls_mode::disabled: return "disabled";
    case tls_mode::preferred: return "preferred";
    case tls_mode::required: return "required";
    case tls_mode::verify_ca: return "verify_ca";
    case tls_mode::verify_identity: return "verify_identity";
  }
  return "?";
}

constexpr auto option_names(std::type_identity<tls_mode>) {
  return options::enum_names<tls_mode, 5>{{{tls_mode::disabled, "disabled"},
                                           {tls_mode::preferred, "preferred"},
                                           {tls_mode::required, "required"},
                                           {tls_mode::verify_ca, "verify_ca"},
                                           {tls_mode::verify_identity, "verify_identity"}}};
}

struct tls_options {
  tls_mode mode = tls_mode::preferred;
  std::string ca;       ///< PEM file of the CA(s) the server's certificate must chain to (verify_* modes)
  std::string cert;     ///< client certificate (PEM), for servers that require one (REQUIRE X509)
  std::string key;      ///< its private key (PEM)
  std::string cipher;   ///< allowed ciphers (OpenSSL list syntax); empty: the library's defaults
  std::string version;  ///< allowed protocol versions, e.g. "TLSv1.2,TLSv1.3"; empty: the library's defaults

  [[nodiscard]] bool verifies() const noexcept {
    return mode == tls_mode::verify_ca || mode == tls_mode::verify_identity;
  }
  [[nodiscard]] bool requires_tls() const noexcept {
    return mode != tls_mode::disabled && mode != tls_mode::preferred;
  }
};

constexpr auto options_of(std::type_identity<tls_options>) {
  using options::opt;
  using o = tls_options;
  return options::describe(
      opt("mode", &o::mode,
          "As MySQL's --ssl-mode: `disabled`; `preferred` (TLS when the server offers it, unverified); `required` "
          "(TLS or no connection, unverified); `verify_ca` (the certificate must chain to `ca`); `verify_identity` "
          "(and name `mysql.host`). When `ca` is set and `mode` is not, `verify_identity`."),
      opt("ca", &o::ca,
          "CA certificate file (PEM) the server's certificate must chain to; needed by verify_ca and verify_identity."),
      opt("cert", &o::cert, "Client certificate file (PEM), for accounts created with REQUIRE X509 / SUBJECT."),
      opt("key", &o::key, "Private key file (PEM) of `cert`."),
      opt("cipher", &o::cipher, "Allowed ciphers (OpenSSL list syntax); empty: the library's defaults."),
      opt("tls_version", &o::version,
          "Allowed protocol versions, e.g. `TLSv1.2,TLSv1.3`; empty: the library's defaults."));
}

/// What one connection negotiated.
struct tls_state {
  bool encrypted = false;
  std::string version;  ///< "TLSv1.3"
  std::string cipher;   ///< "TLS_AES_256_GCM_SHA384"
  bool ca_verified = false;        ///< the certificate chains to the configured CA
  bool identity_verified = false;  ///< and names the host

  /// "TLSv1.3 TLS_AES_256_GCM_SHA384, server identity verified" or "not encrypted".
  [[nodiscard]] std::string describe() const {
    if (!encrypted) return "not encrypted";
    return version + ' ' + cipher +
           (identity_verified ? ", server identity verified"
            : ca_verified     ? ", server certificate verified against the CA (host name not checked)"
                              : ", server certificate NOT verified");
  }
};

}  // namespace tor::mysql
