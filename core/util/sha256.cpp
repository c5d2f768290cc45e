#include "util/sha256.h"

#include <openssl/evp.h>
#include <stdexcept>

namespace shiftscope {

struct Sha256::Context {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : m_context(std::make_unique<Context>())
{
    if (!m_context->ctx || EVP_DigestInit_ex(m_context->ctx, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 is not available from libcrypto");
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view data) { EVP_DigestUpdate(m_context->ctx, data.data(), data.size()); }

std::array<std::uint8_t, 32> Sha256::digest()
{
    std::array<std::uint8_t, 32> out{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(m_context->ctx, out.data(), &length);
    return out;
}

std::string Sha256::hexDigest()
{
    static const char *digits = "0123456789abcdef";
    std::string text;
    text.reserve(64);
    for (std::uint8_t byte : digest()) {
        text += digits[byte >> 4];
        text += digits[byte & 15];
    }
    return text;
}

std::string Sha256::hex(std::string_view data)
{
    Sha256 hash;
    hash.update(data);
    return hash.hexDigest();
}

} // namespace shiftscope
