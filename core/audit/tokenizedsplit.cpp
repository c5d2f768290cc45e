#include "audit/tokenizedsplit.h"

#include "audit/textfeatures.h"

namespace shiftscope {

TokenizedSplit::TokenizedSplit(const std::vector<Example> &examples)
{
    const auto add = [&](const std::string &text) {
        m_textStarts.push_back(std::uint32_t(m_hashes.size()));
        tokenHashes(text, m_hashes);
    };
    for (const Example &e : examples) {
        m_firstText.push_back(std::uint32_t(m_textStarts.size()));
        add(e.prompt);
        for (const Response &r : e.responses)
            add(r.text);
    }
    m_textStarts.push_back(std::uint32_t(m_hashes.size()));
}

std::size_t TokenizedSplit::responses(std::size_t example) const
{
    const std::size_t next = example + 1 < m_firstText.size() ? m_firstText[example + 1] : m_textStarts.size() - 1;
    return next - m_firstText[example] - 1;
}

std::span<const std::uint64_t> TokenizedSplit::tokens(std::size_t example, int response) const
{
    const std::size_t text = m_firstText[example] + std::size_t(response + 1);
    const std::uint32_t begin = m_textStarts[text], end = m_textStarts[text + 1];
    return std::span<const std::uint64_t>(m_hashes).subspan(begin, end - begin);
}

} // namespace shiftscope
