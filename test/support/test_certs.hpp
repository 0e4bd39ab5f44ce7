#pragma once

#include <chrono>
#include <string>

// Certificates generated at test time with the OpenSSL API (no files checked in, nothing that
// can expire in the repository): a test CA and leaf certificates for 127.0.0.1 / localhost.
// Everything is PEM text so this header needs no OpenSSL include.
namespace jetmon::test {

enum class CertKind {
  valid,          // signed by the test CA, 127.0.0.1 + localhost, valid now
  expired,        // signed by the test CA, notAfter one day ago
  not_yet_valid,  // signed by the test CA, notBefore one day ahead
  wrong_host,     // signed by the test CA, valid now, only for wrong-host.invalid
  self_signed,    // 127.0.0.1 + localhost, valid now, issued by itself
};

struct CertPem {
  std::string cert;  // leaf certificate, PEM
  std::string key;   // its private key, PEM (PKCS#8)
  std::chrono::system_clock::time_point not_before;  // whole seconds, as written into the cert
  std::chrono::system_clock::time_point not_after;
};

class TestCerts {
 public:
  // Generates the CA and every leaf (EC P-256 keys: fast). Throws std::runtime_error on failure.
  TestCerts();

  // One set per process, generated on first use (thread-safe).
  static const TestCerts& shared();

  const std::string& ca_pem() const { return ca_pem_; }
  const CertPem& leaf(CertKind kind) const;

 private:
  std::string ca_pem_;
  CertPem leaves_[5];
};

}  // namespace jetmon::test
