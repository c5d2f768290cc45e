#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace shiftscope {

//! Incremental SHA-256, used for content hashes of distributions, examples and responses. Backed by OpenSSL's
//! libcrypto, which uses the CPU's SHA instructions where present (hashing is a large share of import time).
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    void update(std::string_view data);
    //! Finishes the hash; the object must not be updated afterwards.
    std::array<std::uint8_t, 32> digest();
    std::string hexDigest();

    static std::string hex(std::string_view data);

private:
    struct Context;
    std::unique_ptr<Context> m_context;
};

} // namespace shiftscope
