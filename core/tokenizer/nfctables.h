#pragma once

#include "tokenizer/unicodeclasses.h"

#include <span>

namespace shiftscope {

// Unicode 14.0 data for canonical composition (NFC), generated from Python 3.11's unicodedata by a throwaway script.

struct CombiningClassRange {
    char32_t first;
    char32_t last;
    unsigned char combiningClass;
};

//! A canonical decomposition into two code points (U+00E9 -> U+0065 U+0301).
struct PairDecomposition {
    char32_t composite;
    char32_t first;
    char32_t second;
};

//! A canonical decomposition into one code point (U+212B ANGSTROM SIGN -> U+00C5); these never recompose.
struct SingletonDecomposition {
    char32_t source;
    char32_t target;
};

//! Runs of code points with a non-zero canonical combining class, sorted.
std::span<const CombiningClassRange> combiningClassRanges();
//! Every two-part canonical decomposition, sorted by composite; Hangul syllables are algorithmic and not listed.
std::span<const PairDecomposition> pairDecompositions();
std::span<const SingletonDecomposition> singletonDecompositions();
//! Composites with a two-part decomposition that NFC does not recompose (composition exclusions and
//! non-starter decompositions), sorted.
std::span<const char32_t> compositionExclusions();
//! Code points that can make NFC change a text (NFC_Quick_Check No or Maybe, or a non-zero combining class);
//! a text without any of them is already in NFC.
std::span<const CodePointRange> nfcQuickCheckRanges();

} // namespace shiftscope
