#include "support/test_certs.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace jetmon::test {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct ExtFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Bio = std::unique_ptr<BIO, BioFree>;
using Ext = std::unique_ptr<X509_EXTENSION, ExtFree>;

using Clock = std::chrono::system_clock;

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certs: ") + what);
}

Pkey new_key() {
  Pkey key(EVP_EC_gen("P-256"));
  require(key != nullptr, "EVP_EC_gen");
  return key;
}

struct CertSpec {
  std::string common_name;
  std::string subject_alt_name;  // X509V3 config syntax, empty for none
  bool is_ca = false;
  std::time_t not_before = 0;
  std::time_t not_after = 0;
  long serial = 1;
};

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Ext ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  require(ext != nullptr, "X509V3_EXT_conf_nid");
  require(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

// Signs with `issuer_key`; `issuer` null means self-issued.
Cert make_cert(const CertSpec& spec, EVP_PKEY* subject_key, X509* issuer, EVP_PKEY* issuer_key) {
  Cert cert(X509_new());
  require(cert != nullptr, "X509_new");
  X509* c = cert.get();
  require(X509_set_version(c, 2) == 1, "X509_set_version");
  require(ASN1_INTEGER_set(X509_get_serialNumber(c), spec.serial) == 1, "serial");
  require(ASN1_TIME_set(X509_getm_notBefore(c), spec.not_before) != nullptr, "notBefore");
  require(ASN1_TIME_set(X509_getm_notAfter(c), spec.not_after) != nullptr, "notAfter");
  X509_NAME* name = X509_get_subject_name(c);
  require(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>("Jetmon tests"), -1, -1,
                                     0) == 1,
          "subject O");
  require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                                     -1, -1, 0) == 1,
          "subject CN");
  require(X509_set_issuer_name(c, issuer != nullptr ? X509_get_subject_name(issuer) : name) == 1,
          "issuer");
  require(X509_set_pubkey(c, subject_key) == 1, "X509_set_pubkey");
  X509* signer = issuer != nullptr ? issuer : c;
  add_extension(c, signer, NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_extension(c, signer, NID_key_usage,
                spec.is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_extension(c, signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add_extension(c, signer, NID_authority_key_identifier, "keyid:always");
  if (!spec.is_ca) add_extension(c, signer, NID_ext_key_usage, "serverAuth");
  if (!spec.subject_alt_name.empty()) {
    add_extension(c, signer, NID_subject_alt_name, spec.subject_alt_name);
  }
  require(X509_sign(c, issuer_key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string cert_pem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  require(bio != nullptr && PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
  return bio_text(bio.get());
}

std::string key_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  require(bio != nullptr &&
              PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
  return bio_text(bio.get());
}

}  // namespace

TestCerts::TestCerts() {
  const std::time_t now = std::time(nullptr);
  constexpr std::time_t kHour = 3600;
  constexpr std::time_t kDay = 24 * kHour;

  Pkey ca_key = new_key();
  Cert ca = make_cert({"Jetmon Test CA", "", true, now - 2 * kDay, now + 3650 * kDay, 1}, ca_key.get(),
                      nullptr, ca_key.get());
  ca_pem_ = cert_pem(ca.get());

  const std::string local_san = "IP:127.0.0.1,DNS:localhost";
  struct LeafSpec {
    CertKind kind;
    CertSpec spec;
    bool self_signed;
  };
  const LeafSpec specs[] = {
      {CertKind::valid, {"127.0.0.1", local_san, false, now - kHour, now + 90 * kDay, 10}, false},
      {CertKind::expired, {"127.0.0.1", local_san, false, now - 30 * kDay, now - kDay, 11}, false},
      {CertKind::not_yet_valid, {"127.0.0.1", local_san, false, now + kDay, now + 90 * kDay, 12}, false},
      {CertKind::wrong_host,
       {"wrong-host.invalid", "DNS:wrong-host.invalid", false, now - kHour, now + 60 * kDay, 13},
       false},
      {CertKind::self_signed, {"127.0.0.1", local_san, false, now - kHour, now + 30 * kDay, 14}, true},
  };
  for (const LeafSpec& s : specs) {
    Pkey key = new_key();
    Cert leaf = s.self_signed ? make_cert(s.spec, key.get(), nullptr, key.get())
                              : make_cert(s.spec, key.get(), ca.get(), ca_key.get());
    CertPem& out = leaves_[static_cast<int>(s.kind)];
    out.cert = cert_pem(leaf.get());
    out.key = key_pem(key.get());
    out.not_before = Clock::from_time_t(s.spec.not_before);
    out.not_after = Clock::from_time_t(s.spec.not_after);
  }
}

const TestCerts& TestCerts::shared() {
  static std::once_flag once;
  static std::unique_ptr<TestCerts> certs;
  std::call_once(once, [] { certs = std::make_unique<TestCerts>(); });
  return *certs;
}

const CertPem& TestCerts::leaf(CertKind kind) const { return leaves_[static_cast<int>(kind)]; }

}  // namespace jetmon::test
