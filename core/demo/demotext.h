#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

//! The demo suite's randomness and text helpers: the same output bit for bit on every platform.
namespace shiftscope::demotext {

//! splitmix64. The standard distributions are implementation-defined; this is the same bit for bit everywhere.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next()
    {
        std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    //! Uniform in [0, n); the modulo bias is negligible for the small n used here.
    int below(int n) { return int(next() % std::uint64_t(n)); }
    int between(int lo, int hi) { return lo + below(hi - lo + 1); }
    bool chance(int percent) { return below(100) < percent; }
    template <typename Container>
    const auto &pick(const Container &items)
    {
        return items[std::size_t(below(int(items.size())))];
    }
    template <typename T>
    void shuffle(std::vector<T> &items)
    {
        for (std::size_t i = items.size(); i > 1; --i)
            std::swap(items[i - 1], items[std::size_t(below(int(i)))]);
    }

private:
    std::uint64_t m_state;
};

//! FNV-1a, to turn (seed, id, split) into a stream seed without depending on std::hash.
std::uint64_t fnv1a(std::string_view text);

using Vars = std::initializer_list<std::pair<std::string_view, std::string_view>>;
//! Replaces every "{key}" in `pattern`.
std::string fill(std::string_view pattern, Vars vars);
std::string capitalised(std::string text);
std::string lowercased(std::string text);
//! "Mexico City" -> "M-E-X-I-C-O C-I-T-Y".
std::string spelled(std::string_view word);
bool contains(const std::vector<std::string> &items, std::string_view value);

} // namespace shiftscope::demotext
