#include "metrics/pythonrandom.h"

#include <mutex>

namespace shiftscope {

namespace {
constexpr std::size_t kN = 624;
constexpr std::size_t kM = 397;
constexpr std::uint32_t kMatrixA = 0x9908b0dfU;
constexpr std::uint32_t kUpper = 0x80000000U;
constexpr std::uint32_t kLower = 0x7fffffffU;
} // namespace

void PythonRandom::initGenrand(std::uint32_t seed)
{
    m_state[0] = seed;
    for (std::size_t i = 1; i < kN; ++i)
        m_state[i] = 1812433253U * (m_state[i - 1] ^ (m_state[i - 1] >> 30)) + std::uint32_t(i);
    m_index = kN;
}

PythonRandom::PythonRandom(std::uint32_t seed)
{
    // init_by_array with a one-word key, as CPython does for small integer seeds.
    const std::uint32_t key[1] = {seed};
    const std::size_t keyLength = 1;
    initGenrand(19650218U);
    std::size_t i = 1;
    std::size_t j = 0;
    for (std::size_t k = kN > keyLength ? kN : keyLength; k > 0; --k) {
        m_state[i] = (m_state[i] ^ ((m_state[i - 1] ^ (m_state[i - 1] >> 30)) * 1664525U)) + key[j] + std::uint32_t(j);
        ++i;
        ++j;
        if (i >= kN) {
            m_state[0] = m_state[kN - 1];
            i = 1;
        }
        if (j >= keyLength)
            j = 0;
    }
    for (std::size_t k = kN - 1; k > 0; --k) {
        m_state[i] = (m_state[i] ^ ((m_state[i - 1] ^ (m_state[i - 1] >> 30)) * 1566083941U)) - std::uint32_t(i);
        ++i;
        if (i >= kN) {
            m_state[0] = m_state[kN - 1];
            i = 1;
        }
    }
    m_state[0] = 0x80000000U;
    m_index = kN;
}

void PythonRandom::twist()
{
    for (std::size_t k = 0; k < kN; ++k) {
        const std::uint32_t y = (m_state[k] & kUpper) | (m_state[(k + 1) % kN] & kLower);
        m_state[k] = m_state[(k + kM) % kN] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
    }
    m_index = 0;
}

std::uint32_t PythonRandom::nextUint32()
{
    if (m_index >= kN)
        twist();
    std::uint32_t y = m_state[m_index++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= y >> 18;
    return y;
}

int PythonRandom::choiceZeroOne()
{
    while (true) {
        const std::uint32_t r = nextUint32() >> 30;
        if (r < 2)
            return int(r);
    }
}

const std::vector<int> &PythonRandom::geniesLabels(std::size_t count)
{
    static std::mutex mutex;
    static std::vector<int> labels;
    std::lock_guard lock(mutex);
    if (labels.size() < count) {
        PythonRandom rng(42);
        labels.clear();
        labels.reserve(std::max<std::size_t>(count, 4096));
        for (std::size_t i = 0; i < std::max<std::size_t>(count, 4096); ++i)
            labels.push_back(rng.choiceZeroOne());
    }
    return labels;
}

} // namespace shiftscope
